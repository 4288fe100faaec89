import type { InjectionToken } from 'tsyringe';

/** The amounts the resource manager accounts for: cpu (cores, fractional allowed), memory (bytes), GPUs (count). */
export interface ResourceAmounts {
  readonly cpu: number;
  readonly memory: number;
  readonly gpu: number;
}

export type ResourceName = keyof ResourceAmounts | 'tasks';

/** What a task holds while it runs; returned exactly once, whatever way the task ends. */
export interface Lease extends Disposable {
  readonly taskName: string;
  readonly amounts: ResourceAmounts;
  /** Milliseconds between the request and the admission. */
  readonly waitedMs: number;
  /** Returns the resources. Idempotent: a second call does nothing. */
  release(): void;
}

export type AdmissionEvent =
  | {
      readonly type: 'queued';
      readonly taskName: string;
      readonly request: ResourceAmounts;
      /** The resources that are short right now (or `tasks` when the concurrency cap is reached). */
      readonly short: readonly ResourceName[];
      /** Tasks ahead of this one in the queue. */
      readonly position: number;
    }
  | { readonly type: 'admitted'; readonly taskName: string; readonly request: ResourceAmounts; readonly waitedMs: number }
  | { readonly type: 'released'; readonly taskName: string; readonly request: ResourceAmounts; readonly heldMs: number }
  | { readonly type: 'dropped'; readonly taskName: string; readonly request: ResourceAmounts; readonly reason: string };

export interface ResourceManagerSnapshot {
  readonly capacity: ResourceAmounts;
  readonly inUse: ResourceAmounts;
  readonly running: number;
  readonly queued: number;
}

/**
 * One ledger of the machine's (or cluster's) resources. `acquire` resolves with a lease when the request fits,
 * parks the task otherwise, and rejects at once with a CapstanError (`admission.impossible`) when the request is
 * larger than the per-task maximum, or (`admission.aborted`) as soon as the signal aborts while parked.
 */
export interface ResourceManager {
  acquire(taskName: string, request: ResourceAmounts, signal?: AbortSignal): Promise<Lease>;
  /** Subscribes to admission events; returns the function that unsubscribes. */
  onEvent(listener: (event: AdmissionEvent) => void): () => void;
  /** Rejects every parked task with `admission.aborted` (the first step of a two-step cancel). */
  dropQueued(reason: string): number;
  snapshot(): ResourceManagerSnapshot;
}

export const ResourceManager: InjectionToken<ResourceManager> = Symbol.for('capstan.ResourceManager');
