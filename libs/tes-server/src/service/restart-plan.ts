import { type ManagedResource } from '@capstan/core-constraints';
import { type StoredTesTask, type TesTaskLog } from '@capstan/tes-model';

/** A container (or job) of one executor, left by an earlier server process. */
export interface Leftover {
  readonly backend: string;
  readonly resource: ManagedResource;
  readonly index: number;
}

/** What a restarted server does with one unfinished task. */
export type RestartAction =
  | { readonly kind: 'cancel' }
  /** No executor started: run the task again from its inputs. */
  | { readonly kind: 'rerun' }
  /** An executor's container exists, running or ended: take it over (or harvest it), never start it again. */
  | { readonly kind: 'take-over'; readonly leftover: Leftover }
  /** Executors before `from` ended and were recorded: go on with the next (or upload outputs after the last). */
  | { readonly kind: 'continue'; readonly from: number }
  /** A recorded executor failed without ignore_error: the task ended there. */
  | { readonly kind: 'executor-error'; readonly index: number }
  /** An executor started, its end was never recorded and its container is gone: its result is lost. */
  | { readonly kind: 'lost'; readonly index: number };

/** Containers a backend made but never started (the server died between create and start): safe to discard. */
export function neverStarted(leftover: Leftover): boolean {
  return leftover.resource.state === 'created';
}

/**
 * Decides, from the stored task and the containers its backend still has, how a restarted server goes on with it.
 * Executor logs are kept by position (log i is executor i) and an executor's log has an end_time only once its end
 * was recorded, so the store says exactly which executors ended; a container says which one ran last.
 */
export function restartAction(task: Pick<StoredTesTask, 'state' | 'logs' | 'executors'>, found: readonly Leftover[]): RestartAction {
  if (task.state === 'CANCELING') return { kind: 'cancel' };
  const started = found.filter((leftover) => !neverStarted(leftover));
  const last = started.reduce<Leftover | undefined>((best, leftover) => (best === undefined || leftover.index > best.index ? leftover : best), undefined);
  if (last !== undefined) return { kind: 'take-over', leftover: last };
  const logs = currentLog(task)?.logs ?? [];
  if (task.state !== 'RUNNING' && logs.length === 0) return { kind: 'rerun' };
  for (const [index, log] of logs.entries()) {
    if (log.end_time === undefined) return { kind: 'lost', index };
    if (log.exit_code !== 0 && task.executors[index]?.ignore_error !== true) return { kind: 'executor-error', index };
  }
  return { kind: 'continue', from: logs.length };
}

function currentLog(task: Pick<StoredTesTask, 'logs'>): TesTaskLog | undefined {
  return task.logs[task.logs.length - 1];
}
