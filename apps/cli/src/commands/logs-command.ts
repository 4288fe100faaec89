import { ExitCode } from '@capstan/support';
import { findTask } from '../runs/find-task';
import { resolveRun } from '../runs/resolve-run';
import { readRunRecord, runIsLive } from '../runs/run-list';
import { isEnded } from '../runs/run-record';
import { attemptsOf, type LogStream, showLogs } from '../runs/task-log';
import { type CommandIo } from './common-options';
import { parseOrHelp } from './parse-or-help';
import { reportFailure, usageError } from './report-failure';
import { LOGS_COMMAND } from './definitions';
import { workRootOf } from './work-root';

/** `capstan logs <run>[/<task>]`: a task's stdout and stderr, printed or followed to the task's end. */
export async function logsCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  try {
    const parsed = parseOrHelp(LOGS_COMMAND, argv, io);
    if (parsed === undefined) return ExitCode.Ok;
    const { values, positionals } = parsed;
    const [target, ...extra] = positionals;
    if (target === undefined || extra.length > 0) throw usageError(LOGS_COMMAND, 'give one <run>[/<task>], e.g. capstan logs latest or capstan logs latest/hello-1');
    if (values.stdout === true && values.stderr === true) throw usageError(LOGS_COMMAND, 'give --stdout or --stderr, not both (without either, both are printed)');
    const attempt = values.attempt === undefined ? undefined : parseAttempt(values.attempt);
    const slash = target.indexOf('/');
    const runRef = slash === -1 ? target : target.slice(0, slash);
    const taskRef = slash === -1 ? undefined : target.slice(slash + 1);
    const run = await resolveRun(await workRootOf(values, io), runRef);
    const task = await findTask(run.path, (await readRunRecord(run.path)).record, taskRef);
    const attempts = await attemptsOf(task.folder);
    if (attempt !== undefined && !attempts.includes(attempt)) {
      throw usageError(LOGS_COMMAND, `task ${task.uniqueName} has no attempt ${attempt}; its attempts: ${attempts.join(', ') || 'none yet'}`, { value: attempt });
    }
    const streams: LogStream[] = values.stdout === true ? ['stdout'] : values.stderr === true ? ['stderr'] : ['stdout', 'stderr'];
    const note = (text: string): void => io.stderr(`capstan: ${task.uniqueName}: ${text}\n`);
    if (attempts.length === 0 && values.follow !== true) note('no attempt has started yet');
    await showLogs({
      taskFolder: task.folder,
      streams,
      ...(attempt === undefined ? {} : { attempt }),
      follow: values.follow === true,
      ended: () => taskEnded(run.path, task.uniqueName, note),
      write: { stdout: io.stdout, stderr: io.stderr },
      note,
    });
    return ExitCode.Ok;
  } catch (error) {
    return reportFailure(error, io);
  }
}

function parseAttempt(text: string): number {
  if (!/^[1-9][0-9]{0,4}$/.test(text)) throw usageError(LOGS_COMMAND, `--attempt is ${JSON.stringify(text.slice(0, 64))}; give a whole number from 1, e.g. --attempt 2`, { value: text });
  return Number(text);
}

/**
 * Whether a followed task is over: it recorded its end, its run did, or its run's process is gone (then it never
 * will). A run without a readable record cannot say it still runs, so the follow ends rather than hang.
 */
async function taskEnded(runPath: string, uniqueName: string, note: (text: string) => void): Promise<boolean> {
  const { record, problem } = await readRunRecord(runPath);
  if (record === undefined) {
    note(`cannot tell whether the task still runs (${problem ?? 'no record'}); stopped following`);
    return true;
  }
  const task = record.tasks.find((one) => one.uniqueName === uniqueName);
  if (task !== undefined && isEnded(task.state)) return true;
  if (record.endedAt !== null) return true;
  if ((await runIsLive(record)) === false) {
    note('its run\'s process is gone (interrupted); stopped following');
    return true;
  }
  return false;
}
