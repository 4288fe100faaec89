import { ExitCode } from '@capstan/support';
import { formatDuration } from '../output/duration';
import { table } from '../output/table';
import { liveProcesses } from '../runs/process-registry';
import { readRunRecord } from '../runs/run-list';
import { isEnded } from '../runs/run-record';
import { type CommandIo } from './common-options';
import { parseOrHelp } from './parse-or-help';
import { reportFailure } from './report-failure';
import { PS_COMMAND } from './definitions';

interface PsTask {
  readonly pid: number;
  readonly runId: string;
  readonly runFolder: string;
  readonly task: string;
  readonly uniqueName: string;
  readonly state: string;
  readonly backend: string | null;
  readonly attempt: number;
  readonly elapsedMs: number;
}

/** `capstan ps`: the unfinished tasks of every live `capstan run` on this host. */
export async function psCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const json = argv.includes('--json');
  try {
    if (parseOrHelp(PS_COMMAND, argv, io) === undefined) return ExitCode.Ok;
    const now = Date.now();
    const processes = await liveProcesses();
    const tasks: PsTask[] = [];
    for (const entry of processes) {
      const { record, problem, missing } = await readRunRecord(entry.runFolder);
      // No record yet: the process has not started a task (the engine makes the run folder then).
      if (record === undefined) {
        if (!json && missing !== true) io.stderr(`capstan: process ${entry.pid} (run ${entry.runId}): ${problem ?? 'no record'}\n`);
        continue;
      }
      for (const task of record.tasks.filter((one) => !isEnded(one.state))) {
        const since = task.attemptStartedAt ?? task.submittedAt;
        tasks.push({ pid: entry.pid, runId: record.runId, runFolder: entry.runFolder, task: task.name, uniqueName: task.uniqueName, state: task.state, backend: task.backend, attempt: task.attempt, elapsedMs: Math.max(0, now - Date.parse(since)) });
      }
    }
    if (json) {
      io.stdout(`${JSON.stringify({ processes: processes.map(({ pid, runId, runFolder }) => ({ pid, runId, runFolder })), tasks })}\n`);
      return ExitCode.Ok;
    }
    if (tasks.length === 0) {
      io.stdout(`no tasks running in Capstan processes on this host (${processes.length} live capstan run process(es))\n`);
      return ExitCode.Ok;
    }
    const rows = tasks.map((task) => [task.runId, task.uniqueName, task.state, task.backend ?? '-', String(task.attempt), formatDuration(task.elapsedMs), String(task.pid)]);
    io.stdout(table([['RUN', 'TASK', 'STATE', 'BACKEND', 'ATTEMPT', 'ELAPSED', 'PID'], ...rows]));
    return ExitCode.Ok;
  } catch (error) {
    return reportFailure(error, io, { json });
  }
}
