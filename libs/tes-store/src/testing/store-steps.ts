import { type IndexBatching } from '../sqlite/deferred-index';
import { type TaskFixture } from './task-fixtures';

/** One step store-steps-process.ts takes on the store: insert a task, read (which writes waiting index rows), remove one. */
export type StoreStep =
  | { readonly insert: TaskFixture; readonly owner: string }
  | { readonly read: true }
  | { readonly removeFinished: string }
  | { readonly waitMs: number };

export interface StoreSteps {
  readonly indexBatching: IndexBatching;
  readonly steps: readonly StoreStep[];
}
