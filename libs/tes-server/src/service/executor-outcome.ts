import { type EndReason } from '@capstan/core-constraints';

/**
 * The TES state of a task whose executor failed, by the end reason of its last attempt. The program ran and failed
 * (a non-zero exit, out of memory, out of time, a required output it did not write): the executor's error. A backend
 * or node that failed under it, or lost it, is the system's. A record, so a new end reason cannot go unmapped.
 */
const FAILED_STATE: Readonly<Record<EndReason, 'EXECUTOR_ERROR' | 'SYSTEM_ERROR'>> = {
  exited: 'EXECUTOR_ERROR',
  oom: 'EXECUTOR_ERROR',
  timeout: 'EXECUTOR_ERROR',
  missing_output: 'EXECUTOR_ERROR',
  canceled: 'SYSTEM_ERROR',
  preempted: 'SYSTEM_ERROR',
  lost: 'SYSTEM_ERROR',
  error: 'SYSTEM_ERROR',
};

export function failedExecutorState(reason: EndReason | null): 'EXECUTOR_ERROR' | 'SYSTEM_ERROR' {
  return reason === null ? 'SYSTEM_ERROR' : FAILED_STATE[reason];
}
