import { CapstanError, type EndReason, ErrorCode, type ExecutionResult, formatBytes } from '@capstan/core-constraints';
import { dockerErrorInfo } from './docker-error';
import { isTransientDockerError } from './transient-errors';

export type StopReason = 'canceled' | 'timeout' | undefined;

/** The end of a container whose exit status the daemon reported. */
export function describeEnd(exitCode: number, oomKilled: boolean, stopReason: StopReason, timing: { startedAt: Date; timeoutMs?: number | undefined; memoryLimit: number }): ExecutionResult {
  const base = { exitCode, startedAt: timing.startedAt, endedAt: new Date() };
  if (stopReason === 'canceled') return { ...base, endReason: 'canceled', message: 'canceled' };
  if (stopReason === 'timeout') return { ...base, endReason: 'timeout', message: `stopped after the timeout of ${timing.timeoutMs} ms` };
  if (oomKilled) {
    const limit = timing.memoryLimit;
    const reason: EndReason = 'oom';
    return {
      ...base,
      endReason: reason,
      message: `killed for running out of memory${limit > 0 ? ` (limit ${formatBytes(limit)}, ${limit} bytes)` : ''}; raise requirements.memory or hints.max_memory`,
    };
  }
  return { ...base, endReason: 'exited' };
}

/** Whether a failed call means the daemon could not be reached, or its connection broke before it answered. */
export function isConnectionLost(error: unknown): boolean {
  if (error instanceof CapstanError) {
    if (error.code === ErrorCode.BackendUnavailable) return true;
    return error.details['statusCode'] === undefined && isTransientDockerError({ code: error.details['code'] }, false);
  }
  const { statusCode } = dockerErrorInfo(error);
  return statusCode === undefined && isTransientDockerError(error, false);
}

/**
 * An attempt whose end the daemon never reported: `lost`, with no exit code, naming what broke. A cancel asked for
 * meanwhile still reads as canceled (the container is removed once the daemon answers), never as a success.
 */
export function lostEnd(what: string, error: unknown, container: string, stopReason: StopReason, startedAt: Date): ExecutionResult {
  const cause = error instanceof Error ? error.message : String(error);
  const base = { exitCode: null, startedAt, endedAt: new Date() };
  if (stopReason === 'canceled') return { ...base, endReason: 'canceled', message: `canceled while the daemon was unreachable (${what} of container ${container} failed: ${cause})` };
  return { ...base, endReason: 'lost', message: `lost the connection to the daemon: the ${what} of container ${container} failed, its exit status is unknown (${cause})` };
}

/** A container another tool killed (`docker kill`, `stop`, `rm -f`): the system's failure, not the task's own exit. */
export function killedFromOutside(container: string, signal: string, exitCode: number | null, startedAt: Date): ExecutionResult {
  const status = exitCode === null ? 'it was removed' : `its exit status ${exitCode} is not the task's own`;
  return { exitCode: null, endReason: 'lost', message: `container ${container} was killed from outside Capstan (signal ${signal}, by another tool); ${status}`, startedAt, endedAt: new Date() };
}

/** A container that vanished (removed by another tool) before its end could be read. */
export function removedFromOutside(container: string, startedAt: Date): ExecutionResult {
  return { exitCode: null, endReason: 'lost', message: `container ${container} was removed from outside Capstan (by another tool) before it ended`, startedAt, endedAt: new Date() };
}
