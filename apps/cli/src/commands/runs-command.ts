import { ExitCode } from '@capstan/support';
import { formatDuration } from '../output/duration';
import { table } from '../output/table';
import { listRuns } from '../runs/run-list';
import { type CommandIo } from './common-options';
import { parseOrHelp } from './parse-or-help';
import { reportFailure } from './report-failure';
import { RUNS_COMMAND } from './definitions';
import { workRootOf } from './work-root';

/** `capstan runs`: the runs in the work root, newest first. */
export async function runsCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const json = argv.includes('--json');
  try {
    const parsed = parseOrHelp(RUNS_COMMAND, argv, io);
    if (parsed === undefined) return ExitCode.Ok;
    const { values } = parsed;
    const workRoot = await workRootOf(values, io);
    const runs = await listRuns(workRoot);
    if (json) {
      io.stdout(`${JSON.stringify({ workRoot, runs })}\n`);
      return ExitCode.Ok;
    }
    if (runs.length === 0) {
      io.stdout(`no runs in ${workRoot}\n`);
      return ExitCode.Ok;
    }
    const header = ['STARTED (UTC)', 'RUN', 'STATUS', 'TASKS', 'SUCCEEDED', 'FAILED', 'RUNNING', 'UNKNOWN', 'DURATION'];
    const rows = runs.map((run) => [
      run.startedAt === null ? '-' : run.startedAt.replace('T', ' ').replace(/\.\d+Z$/, ''),
      run.runId,
      run.status,
      String(run.tasks),
      String(run.states.succeeded),
      String(run.states.failed),
      String(run.states.running),
      String(run.states.unknown),
      run.durationMs === null ? '-' : formatDuration(run.durationMs),
    ]);
    io.stdout(table([header, ...rows]));
    for (const run of runs.filter((one) => one.note !== undefined)) io.stderr(`capstan: ${run.folder}: ${run.note}\n`);
    return ExitCode.Ok;
  } catch (error) {
    return reportFailure(error, io, { json });
  }
}
