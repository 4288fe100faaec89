import { CapstanError, ErrorCode, type Task } from '@capstan/core-constraints';

const DURATION = /^\s*([0-9]+(?:\.[0-9]+)?)\s*(ms|s|m|h)?\s*$/i;
const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Capstan's own hints (hints are open in WDL, so these never conflict with the reserved ones):
 * `shell` (the program that runs the command file) and `timeout` (seconds, or "90s", "5m", "2h").
 */
export function taskShell(task: Task, fallback: string): string {
  const shell = task.hints.other['shell'];
  if (shell === undefined) return fallback;
  if (typeof shell !== 'string' || !/^[A-Za-z0-9_./-]+$/.test(shell)) {
    throw new CapstanError(ErrorCode.InvalidValue, `${JSON.stringify(shell)} is not a shell program; give a name or path such as "sh" or "/bin/bash"`, {
      path: 'hints.shell',
    });
  }
  return shell;
}

export function taskTimeoutMs(task: Task, fallback: number | undefined): number | undefined {
  const timeout = task.hints.other['timeout'];
  if (timeout === undefined) return fallback;
  if (typeof timeout === 'number' && Number.isFinite(timeout) && timeout > 0) return Math.round(timeout * 1000);
  const match = typeof timeout === 'string' ? DURATION.exec(timeout) : null;
  if (match && Number(match[1]) > 0) return Math.round(Number(match[1]) * (UNIT_MS[(match[2] ?? 's').toLowerCase()] ?? 1000));
  throw new CapstanError(ErrorCode.InvalidValue, `${JSON.stringify(timeout)} is not a timeout; give seconds (e.g. 600) or a duration such as "90s", "5m" or "2h"`, {
    path: 'hints.timeout',
  });
}

/** The most a memory retry multiplier may be: each oom retry multiplies again, and the backend's maximum caps it anyway. */
export const MAX_MEMORY_RETRY_MULTIPLIER = 16;

/**
 * `memory_retry_multiplier` (as Cromwell's): after an `oom` end, the next attempt's memory request and limit are
 * multiplied by it. 1 (the default) leaves memory as it is.
 */
export function taskMemoryRetryMultiplier(task: Task, fallback: number): number {
  const factor = task.hints.other['memory_retry_multiplier'];
  if (factor === undefined) return fallback;
  if (typeof factor === 'number' && Number.isFinite(factor) && factor >= 1 && factor <= MAX_MEMORY_RETRY_MULTIPLIER) return factor;
  throw new CapstanError(
    ErrorCode.InvalidValue,
    `${JSON.stringify(factor)} is not a memory retry multiplier; give a number from 1 (memory stays as it is) to ${MAX_MEMORY_RETRY_MULTIPLIER}, e.g. 2 to double the memory after each out-of-memory end`,
    { path: 'hints.memory_retry_multiplier' },
  );
}
