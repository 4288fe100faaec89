import { type AdmissionEvent, type BackendEvent, type Constraints, type EndReason, type ResourceUsage } from '@capstan/core-constraints';
import { type OutputFile } from '../run/collect-outputs';
import { type PublishedOutput } from '../run/publish-outputs';

/** Fields every engine event carries: which run, which task (its name as written and its unique name), when. */
export interface EventContext {
  readonly runId: string;
  readonly taskName: string;
  readonly uniqueName: string;
  readonly time: string;
}

/** The ledger's events, without their own task name (the engine's context carries it). */
export type AdmissionBody<T> = T extends unknown ? Omit<T, 'taskName'> : never;

export type TaskState = 'succeeded' | 'failed' | 'canceled' | 'error';

/** One task's life, as the CLI and the API see it. */
export type EngineEvent = EventContext &
  (
    | { readonly type: 'resolved'; readonly backend: string; readonly route?: string; readonly constraints: Constraints; readonly warnings: readonly string[] }
    | AdmissionBody<Extract<AdmissionEvent, { type: 'queued' | 'admitted' | 'released' }>>
    | { readonly type: 'staged'; readonly inputs: number }
    | { readonly type: 'attempt-started'; readonly attempt: number; readonly attemptName: string; readonly folder: string }
    | { readonly type: 'backend'; readonly attempt: number; readonly event: BackendEvent }
    | {
        readonly type: 'attempt-ended';
        readonly attempt: number;
        readonly exitCode: number | null;
        readonly endReason: EndReason;
        readonly success: boolean;
        readonly willRetry: boolean;
        readonly message?: string;
        /** The attempt's request (memory in bytes: it grows after an oom end), so a trace row needs no other event. */
        readonly cpu: number;
        readonly memory: number;
        /** What it used, when the backend reports usage: a trace row is written as the attempt ends, not at the run's end. */
        readonly usage?: ResourceUsage;
      }
    | {
        /** After an oom end, the next attempt's memory (bytes) multiplied by `factor`; `capped` at the backend's per-task maximum. */
        readonly type: 'memory-escalated';
        readonly attempt: number;
        readonly factor: number;
        readonly memory: number;
        readonly memoryLimit: number | null;
        readonly capped: boolean;
      }
    | {
        readonly type: 'outputs';
        readonly files: readonly OutputFile[];
        /** Where they were published (empty when the task failed on a missing output). */
        readonly published: readonly PublishedOutput[];
        /** Why the task fails, one line per required output that matched nothing. */
        readonly missing: readonly string[];
      }
    | { readonly type: 'warning'; readonly message: string }
    | { readonly type: 'cleaned'; readonly folderDeleted: boolean }
    | { readonly type: 'finished'; readonly state: TaskState; readonly exitCode: number | null; readonly endReason: EndReason | null }
  );
