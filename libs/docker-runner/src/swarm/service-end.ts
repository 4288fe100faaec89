import { type ExecutionResult, formatBytes } from '@capstan/core-constraints';
import { type SwarmTask } from './swarm-api';

export type StopReason = 'canceled' | 'timeout';

/** How a service's task ended, as `waitForEnd` saw it. */
export interface ServiceEnd {
  /** The last state seen; null when the swarm never listed a task. */
  readonly task: SwarmTask | null;
  readonly stopReason: StopReason | undefined;
  /** When its container was first seen running. */
  readonly startedAt: Date | undefined;
}

export interface EndContext {
  readonly timeoutMs: number | undefined;
  /** The task's memory limit in bytes, 0 for none. */
  readonly memoryLimit: number;
  /** The task ran on this daemon's node, so an OOM kill could be seen. */
  readonly local: boolean;
}

/**
 * The attempt's result from its task's last state: Capstan's own stop first (cancel, timeout), then the OOM kill the
 * node's daemon reported, then the swarm's state. `exited` only for a container that ran and exited (the swarm says
 * `task: non-zero exit (N)`, or `complete`); a task the swarm could not start, rejected or lost is an `error` or
 * `lost` with the swarm's reason.
 */
export function describeServiceEnd(end: ServiceEnd, oomKilled: boolean, context: EndContext): ExecutionResult {
  const endedAt = new Date();
  const task = end.task;
  const base = { exitCode: task?.exitCode ?? null, startedAt: end.startedAt ?? endedAt, endedAt };
  if (end.stopReason === 'canceled') return { ...base, endReason: 'canceled', message: 'canceled' };
  if (end.stopReason === 'timeout') return { ...base, endReason: 'timeout', message: `stopped after the timeout of ${context.timeoutMs} ms` };
  if (task === null) return { ...base, endReason: 'lost', message: 'the swarm lists no task for the service any more (was it removed by someone else?)' };
  if (oomKilled) {
    const limit = context.memoryLimit;
    return {
      ...base,
      endReason: 'oom',
      message: `killed for running out of memory${limit > 0 ? ` (limit ${formatBytes(limit)}, ${limit} bytes)` : ''}; raise requirements.memory or hints.max_memory`,
    };
  }
  switch (task.state) {
    case 'complete':
      return { ...base, exitCode: 0, endReason: 'exited' };
    case 'failed':
      if (/non-zero exit/.test(task.error)) {
        const unknownCause = task.exitCode === 137 && !context.local;
        return { ...base, endReason: 'exited', ...(unknownCause ? { message: 'killed by SIGKILL (exit code 137) on another node; the swarm does not say whether it ran out of memory' } : {}) };
      }
      return { ...base, endReason: 'error', message: `the swarm could not run the task: ${task.error || 'no reason given'}` };
    case 'rejected':
      return { ...base, endReason: 'error', message: `the swarm rejected the task: ${task.error || 'no reason given'}` };
    case 'orphaned':
      return { ...base, endReason: 'lost', message: `the node that ran the task (${task.nodeId}) left the swarm or stopped answering` };
    default:
      return { ...base, endReason: 'lost', message: `the swarm shut the task down without Capstan asking (state ${task.state}${task.error === '' ? '' : `: ${task.error}`})` };
  }
}
