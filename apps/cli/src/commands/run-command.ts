import { CapstanError, ErrorCode, loadTaskFile, type Task } from '@capstan/core-constraints';
import { type ReapReport } from '@capstan/cleanup';
import { type TaskEngine, type TaskResult } from '@capstan/engine';
import { parseArgs } from 'node:util';
import { wire } from '@capstan/wiring';
import { ExitCode, exitCodeFor } from '../output/exit-codes';
import { ProgressRenderer } from '../output/progress-renderer';
import { type CommandIo, ENGINE_FLAGS, ENGINE_FLAGS_HELP, engineFlags, reportFailure, usageError } from './common-options';
import { quickTask } from './quick-task';
import { UnfinishedGuard } from './unfinished-guard';

export const RUN_USAGE = `Usage: capstan run <task-file>... [options]
       capstan run --image IMAGE [--cpu N] [--memory SIZE] [--name NAME] [--env K=V]... [options] -- COMMAND [ARGS...]

Runs tasks to their end and prints their progress, then a summary. Several task files share the machine: they
queue and run as capacity allows. Ctrl-C once: no new task starts and running ones stop gracefully; twice: kill now.

Exit code: 0 when every task succeeded; else the exit code of the first task (in the order given) that failed,
1 if it had none (e.g. out of memory), 69 if it was lost (the runtime stopped answering, or another tool killed its
container), 130 if canceled, or Capstan's own code (see the README) if it could not run. SIGTERM and SIGHUP (a
closed terminal) stop the tasks like Ctrl-C.

Options:
  --json                          print the event stream as NDJSON on stdout, then a summary object
  -h, --help                      show this help

${ENGINE_FLAGS_HELP}`;

export async function runCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const json = argv.includes('--json');
  let file: string | undefined;
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        ...ENGINE_FLAGS,
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
        image: { type: 'string' },
        cpu: { type: 'string' },
        memory: { type: 'string' },
        name: { type: 'string' },
        env: { type: 'string', multiple: true },
      },
    });
    if (values.help) {
      io.stdout(`${RUN_USAGE}\n`);
      return ExitCode.Ok;
    }
    if (positionals.length === 0) throw usageError(values.image ? 'give the command after --' : 'give at least one task file, or --image with a command', RUN_USAGE);
    const tasks: Task[] = [];
    if (values.image !== undefined) {
      tasks.push(quickTask({ image: values.image, command: positionals, name: values.name, cpu: values.cpu, memory: values.memory, env: values.env }));
    } else {
      for (const path of positionals) {
        file = path;
        tasks.push(await loadTaskFile(path));
      }
      file = undefined;
    }
    const wiring = await wire(engineFlags(values));
    if (!json) wiring.selection.forEach((line) => io.stderr(`capstan: backend ${line}\n`));
    if (wiring.config.engine.reapOnStart) await reapAtStart(wiring.engine, io, json);
    const results = await runAll(wiring.engine, tasks, io, json);
    return exitCodeOf(results);
  } catch (error) {
    return reportFailure(error, io, RUN_USAGE, { json, file });
  }
}

async function runAll(engine: TaskEngine, tasks: readonly Task[], io: CommandIo, json: boolean): Promise<TaskResult[]> {
  const renderer = json ? undefined : new ProgressRenderer(io);
  const stream = engine.events();
  const printing = (async () => {
    for await (const event of stream) {
      if (renderer) renderer.handle(event);
      else io.stdout(`${JSON.stringify(event)}\n`);
    }
  })();
  let interrupts = 0;
  const onInterrupt = (): void => {
    interrupts += 1;
    if (interrupts === 1) {
      io.stderr('\ncapstan: stopping: no new task starts, running tasks stop gracefully (Ctrl-C again to kill them now)\n');
      engine.cancel();
      engine.cancel();
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
    const results = await Promise.all(tasks.map((task, index) => engine.run(task).finally(() => guard.ended(task.name, index))));
    engine.close();
    await printing;
    if (renderer) renderer.finish(results);
    else io.stdout(`${JSON.stringify({ type: 'summary', results })}\n`);
    return results;
  } finally {
    signals.forEach((signal) => process.off(signal, onInterrupt));
    guard.dispose();
  }
}

async function reapAtStart(engine: TaskEngine, io: CommandIo, json: boolean): Promise<void> {
  try {
    const report = await engine.reapOrphans();
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
