import { CapstanError, ErrorCode, loadTaskFile, type Task } from '@capstan/core-constraints';
import { type ReapReport } from '@capstan/cleanup';
import { type RunOptions, type TaskEngine, type TaskResult } from '@capstan/engine';
import { helpText, parseCommand } from '@capstan/cli-spec';
import { wire } from '@capstan/wiring';
import { ExitCode, exitCodeFor } from '@capstan/support';
import { failureDetails } from '../output/failure-detail';
import { ProgressRenderer } from '../output/progress-renderer';
import { RunTracking } from '../runs/run-tracking';
import { TaskCancels } from '../runs/task-cancels';
import { BACKEND_FLAG_REASON, type CommandIo, TRANSFER_WIRING, engineFlags, forcedBackend, printConfigWarnings, reportFailure, usageError } from './common-options';
import { RUN_COMMAND } from './definitions';
import { quickTask } from './quick-task';
import { UnfinishedGuard } from './unfinished-guard';

/** The flags only the quick form takes; with task files they would be silently ignored. */
const QUICK_FLAGS = ['image', 'cpu', 'memory', 'name', 'env', 'input', 'output', 'retries'] as const;

export async function runCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const json = argv.includes('--json');
  let file: string | undefined;
  try {
    const { values, positionals, command } = parseCommand(RUN_COMMAND, argv);
    if (values.help === true) {
      io.stdout(`${helpText(RUN_COMMAND)}\n`);
      return ExitCode.Ok;
    }
    const tasks: Task[] = [];
    if (command !== undefined) {
      if (positionals.length > 0) throw usageError(RUN_COMMAND, `give task files or a command after --, not both (got ${positionals.length} task file(s) before --)`);
      if (command.length === 0) throw usageError(RUN_COMMAND, 'give the command after --, e.g. capstan run -- echo hello');
      tasks.push(await quickTask({ ...values, command }));
    } else {
      const quickFlag = QUICK_FLAGS.find((flag) => values[flag] !== undefined);
      if (quickFlag !== undefined) throw usageError(RUN_COMMAND, `--${quickFlag} belongs to the quick form: give the command after --, e.g. capstan run --${quickFlag} ... -- echo hello (a task file declares this itself)`, { flag: quickFlag });
      if (positionals.length === 0) throw usageError(RUN_COMMAND, 'give at least one task file, or a command after --');
      for (const path of positionals) {
        file = path;
        tasks.push(await loadTaskFile(path));
      }
      file = undefined;
    }
    const wiring = await wire({ ...engineFlags(RUN_COMMAND, values), ...TRANSFER_WIRING, latestLink: true });
    printConfigWarnings(wiring.config.warnings, io);
    if (!json) wiring.selection.forEach((line) => io.stderr(`capstan: backend ${line}\n`));
    // Beside the tasks, not before them: the scan removes only what a Capstan process that is gone left (never this
    // run's containers: their owner is alive), and waiting for it cost every run a round trip to the engine. It never rejects.
    // With several backends each one's orphans are looked for: a dead run may have left them on any.
    const reapOn = wiring.config.named === undefined ? [undefined] : wiring.registry.names;
    // One after another: two named backends on one daemon see the same orphans, and the second finds them gone.
    const reaping = wiring.config.engine.reapOnStart
      ? (async () => {
          for (const name of reapOn) await reapAtStart(wiring.engine, io, json, name);
        })()
      : undefined;
    const cancels = new TaskCancels();
    const tracking = await RunTracking.start(wiring.engine, tasks.length, (message) => io.stderr(`capstan: warning: ${message}\n`), (name) => cancels.cancel(name));
    try {
      const forced = forcedBackend(values.backend, wiring.config);
      const runOptions = forced === undefined ? {} : { backend: forced, backendReason: BACKEND_FLAG_REASON };
      return exitCodeOf(await runAll(wiring.engine, tasks, io, json, wiring.config.warnings, { tracking, cancels }, runOptions));
    } finally {
      await tracking.end();
      await reaping;
    }
  } catch (error) {
    return reportFailure(error, io, { json, file });
  }
}

async function runAll(
  engine: TaskEngine,
  tasks: readonly Task[],
  io: CommandIo,
  json: boolean,
  configWarnings: readonly string[],
  { tracking, cancels }: { readonly tracking: RunTracking; readonly cancels: TaskCancels },
  runOptions: RunOptions,
): Promise<TaskResult[]> {
  const renderer = json ? undefined : new ProgressRenderer(io);
  const stream = engine.events();
  const printing = (async () => {
    for await (const event of stream) {
      tracking.observe(event);
      if (renderer) renderer.handle(event);
      else io.stdout(`${JSON.stringify(event)}\n`);
    }
  })();
  let interrupts = 0;
  const onInterrupt = (): void => {
    interrupts += 1;
    if (interrupts === 1) {
      io.stderr('\ncapstan: stopping: no new task starts, running tasks stop gracefully (Ctrl-C again to kill them now)\n');
      engine.stop();
    } else {
      io.stderr('\ncapstan: killing running tasks now\n');
      engine.killNow();
    }
  };
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  signals.forEach((signal) => process.on(signal, onInterrupt));
  const guard = new UnfinishedGuard(
    tasks.map((task) => task.name),
    io.stderr,
  );
  try {
    const results = await Promise.all(tasks.map((task, index) => cancels.track(runOptions, (options) => engine.run(task, options)).finally(() => guard.ended(task.name, index))));
    engine.close();
    await printing;
    if (renderer) renderer.finish(results, await failureDetails(results));
    else io.stdout(`${JSON.stringify({ type: 'summary', results, warnings: configWarnings })}\n`);
    return results;
  } finally {
    signals.forEach((signal) => process.off(signal, onInterrupt));
    guard.dispose();
  }
}

async function reapAtStart(engine: TaskEngine, io: CommandIo, json: boolean, backend?: string): Promise<void> {
  try {
    const report = await engine.reapOrphans(backend);
    if (!json && report.removed.length > 0) {
      io.stderr(`capstan: removed ${report.removed.length} container(s) left by Capstan processes that are gone: ${report.removed.map((r) => r.name).join(', ')}\n`);
    }
    if (!json) skippedLines(report.skipped).forEach((line) => io.stderr(line));
  } catch (error) {
    if (!json) io.stderr(`capstan: warning: could not look for orphaned containers: ${error instanceof Error ? error.message : String(error)}\n`);
  }
}

/** One line per reason, as `capstan cleanup` gives it per container: a skip is never silent. */
function skippedLines(skipped: ReapReport['skipped']): string[] {
  const byReason = new Map<string, string[]>();
  for (const { resource, reason } of skipped) byReason.set(reason, [...(byReason.get(reason) ?? []), resource.name]);
  return [...byReason].map(([reason, names]) => `capstan: skipped ${names.length} container(s) whose Capstan process is gone: ${names.join(', ')}: ${reason}\n`);
}

function exitCodeOf(results: readonly TaskResult[]): number {
  const failed = results.find((result) => result.state !== 'succeeded');
  if (failed === undefined) return ExitCode.Ok;
  if (failed.state === 'canceled') return ExitCode.Canceled;
  if (failed.endReason === 'lost') return ExitCode.Unavailable;
  if (failed.state === 'error') {
    return exitCodeFor(new CapstanError((failed.error?.code ?? ErrorCode.BackendFailure) as ErrorCode, failed.error?.message ?? ''));
  }
  return failed.exitCode !== null && failed.exitCode !== 0 ? failed.exitCode : ExitCode.TaskFailed;
}
