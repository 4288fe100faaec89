import { type ExecutionResult } from '@capstan/core-constraints';
import { isRfc3339, parseRfc3339, type TesExecutorLog, type TesTaskInView, type TesTaskLog, usageFromMetadata } from '@capstan/tes-model';

/** Why Capstan stopped the task itself, if it did. */
export type StopReason = 'canceled' | 'timeout';

export interface ResultContext {
  readonly stopReason?: StopReason | undefined;
  readonly timeoutMs?: number | undefined;
  /** When a poll first saw the task RUNNING. */
  readonly observedStart?: Date | undefined;
  readonly submittedAt: Date;
  readonly now: Date;
  /** The server is a Capstan one, whose task log metadata holds the task's usage (another server's means something else). */
  readonly readsUsage?: boolean;
}

export interface FinalResult {
  readonly result: ExecutionResult;
  /** The task log's `system_logs`, one per line: sent as `warning` events. */
  readonly warnings: readonly string[];
}

/**
 * A task in a final state as an ExecutionResult. The last task log counts (a server that retried the task adds one
 * per try), and in it the last executor's log:
 * - COMPLETE: `exited` with its exit code (0 when the server wrote no executor log: COMPLETE itself says the
 *   executors exited without error);
 * - EXECUTOR_ERROR: `exited` with its exit code (`error` if the server gave none: a code cannot be made up);
 * - SYSTEM_ERROR: `error`, the system logs as the message;
 * - CANCELED: `canceled`; PREEMPTED: `preempted`.
 * When Capstan stopped the task (cancel or timeout), that reason wins, whatever final state the cancel led to.
 * Times are the server's (executor, else task log), else what the polls saw. Usage is the task log's, from a Capstan
 * server (`readsUsage`) only.
 */
export function finalResult(task: TesTaskInView, context: ResultContext): FinalResult {
  const taskLog = task.logs?.[task.logs.length - 1];
  const executorLog = taskLog?.logs[taskLog.logs.length - 1];
  const systemLogs = (taskLog?.system_logs ?? []).flatMap((entry) => entry.split('\n')).map((line) => line.trim()).filter((line) => line !== '');
  const times = { startedAt: startOf(executorLog, taskLog, context), endedAt: endOf(executorLog, taskLog, context) };
  const exitCode = executorLog?.exit_code ?? null;
  const usage = context.readsUsage === true ? usageFromMetadata(taskLog?.metadata) : undefined;
  const result = (endReason: ExecutionResult['endReason'], code: number | null, message?: string): FinalResult => ({
    result: { exitCode: code, endReason, ...(message === undefined ? {} : { message }), ...times, ...(usage === undefined ? {} : { usage }) },
    warnings: systemLogs,
  });
  const serverSays = systemLogs.length === 0 ? '' : ` (server: ${systemLogs.join('; ')})`;
  if (context.stopReason === 'timeout') {
    return result('timeout', exitCode, `exceeded the timeout of ${seconds(context.timeoutMs ?? 0)} s; TES task ${task.id ?? ''} was canceled (it ended ${task.state})`);
  }
  if (context.stopReason === 'canceled') return result('canceled', exitCode, `canceled; TES task ${task.id ?? ''} ended ${task.state}`);
  switch (task.state) {
    case 'COMPLETE':
      return result('exited', exitCode ?? 0);
    case 'EXECUTOR_ERROR':
      return exitCode === null
        ? result('error', null, `the TES server reported EXECUTOR_ERROR without an executor exit code${serverSays}`)
        : result('exited', exitCode);
    case 'SYSTEM_ERROR':
      return result('error', exitCode, systemLogs.length === 0 ? 'the TES server reported SYSTEM_ERROR and wrote no system log' : systemLogs.join('; '));
    case 'CANCELED':
      return result('canceled', exitCode, `TES task ${task.id ?? ''} was canceled on the server, not by Capstan${serverSays}`);
    case 'PREEMPTED':
      return result('preempted', exitCode, `the TES server preempted task ${task.id ?? ''}${serverSays}`);
    default:
      return result('error', exitCode, `TES task ${task.id ?? ''} is in state ${task.state}, which is not final`);
  }
}

/** Whether the executor ran: the states in which the task's command was started. */
export function executorRan(task: TesTaskInView): boolean {
  return task.state === 'RUNNING' || task.state === 'COMPLETE' || task.state === 'EXECUTOR_ERROR' || (task.logs ?? []).some((log) => log.logs.length > 0);
}

function startOf(executorLog: TesExecutorLog | undefined, taskLog: TesTaskLog | undefined, context: ResultContext): Date {
  return time(executorLog?.start_time) ?? time(taskLog?.start_time) ?? context.observedStart ?? context.submittedAt;
}

function endOf(executorLog: TesExecutorLog | undefined, taskLog: TesTaskLog | undefined, context: ResultContext): Date {
  return time(executorLog?.end_time) ?? time(taskLog?.end_time) ?? context.now;
}

function time(text: string | undefined): Date | undefined {
  return text !== undefined && isRfc3339(text) ? parseRfc3339(text) : undefined;
}

function seconds(ms: number): string {
  return String(Math.round(ms / 100) / 10);
}
