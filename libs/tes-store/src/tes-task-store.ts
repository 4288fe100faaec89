import { type ListQuery, type StoredTesTask, type TesState, type TesTaskInView, type TesView } from '@capstan/tes-model';
import type { InjectionToken } from 'tsyringe';

/** One ListTasks page, already in the requested view. */
export interface TesTaskListPage {
  readonly tasks: TesTaskInView[];
  /** Absent on the last page. */
  readonly nextPageToken: string | undefined;
}

/** One task of a page as the JSON text of its view: what the server sends, never parsed and serialised again. */
export interface TesTaskJson {
  readonly id: string;
  readonly json: string;
}

/** One ListTasks page as JSON texts (see {@link TesTaskStore.listJson}). */
export interface TesTaskJsonPage {
  readonly tasks: TesTaskJson[];
  /** Absent on the last page. */
  readonly nextPageToken: string | undefined;
}

/**
 * The durable record of every TES task the server accepted. Synchronous on purpose: the embedded SQLite store answers
 * in microseconds and a synchronous API keeps read-modify-write steps atomic within the process.
 */
export interface TesTaskStore {
  /**
   * Stores a newly accepted task (normally in state QUEUED, from `createStoredTask`). Refuses an id already stored and
   * a task `storedTesTaskSchema` does not accept (CapstanError `value.invalid`, path `id` or the bad field). `owner`
   * names the principal that created it (default: none, which only admins see).
   */
  insert(task: StoredTesTask, owner?: string): void;
  /**
   * Stores several newly accepted tasks in one transaction (all or none): a server that batches the creates arriving
   * together pays for one commit instead of one per task. `owners[i]` is the owner of `tasks[i]`.
   */
  insertMany(tasks: readonly StoredTesTask[], owners?: readonly string[]): void;
  /**
   * {@link insertMany} for tasks just made by `createStoredTask` from `acceptCreateTask`'s task (a body validated once,
   * in full, by the create schema), with nothing changed since but task logs of warnings: stored without parsing them
   * again, since `storedTesTaskSchema` would give back the same task (tes-model's tests hold it to that). Anything else
   * goes through `insert` or `insertMany`. An id already stored is still refused, and the transaction undone.
   */
  insertCreated(tasks: readonly StoredTesTask[], owners: readonly string[]): void;
  /** The principal that created the task; undefined when no task has the id. */
  ownerOf(id: string): string | undefined;
  get(id: string): StoredTesTask | undefined;
  /** `get` projected to a view, without reading more than the view needs. */
  getView(id: string, view: TesView): TesTaskInView | undefined;
  /**
   * Read-modify-write of one task in one transaction. `change` receives the stored task and returns the new one; a
   * state change it makes must be allowed by the TES state machine (else CapstanError tes.invalid_transition and
   * nothing is written). The result must keep the id and pass `storedTesTaskSchema` (else CapstanError
   * `value.invalid`); if `change` throws, nothing is written either. Returns the stored result; undefined (without
   * calling `change`) when no task has the id.
   */
  update(id: string, change: (task: StoredTesTask) => StoredTesTask): StoredTesTask | undefined;
  /**
   * One page of ListTasks: filters, newest first, paging by the query's cursor, projected to `query.view`; exactly
   * tes-model's `selectTaskPage` + `taskView`, page token included. With `owner`, only that principal's tasks.
   */
  list(query: ListQuery, owner?: string): TesTaskListPage;
  /**
   * The same page as {@link list}, each task as the JSON text of its view (`JSON.stringify` of what `list` returns,
   * byte for byte): a stored BASIC document with nothing to redact is sent as stored.
   */
  listJson(query: ListQuery, owner?: string): TesTaskJsonPage;
  /** Up to `limit` ids of tasks that reached a final state before `cutoff`, the longest finished first (retention). */
  finishedBefore(cutoff: Date, limit: number): string[];
  /** Deletes a task in a final state (a task in any other state is kept); whether it deleted one. */
  removeFinished(id: string): boolean;
  /** Every task in one of `states`, oldest first (the restart path: QUEUED to run, RUNNING to reconcile). */
  listInStates(states: readonly TesState[]): StoredTesTask[];
  /** How many tasks are in each state (for /metrics). States with none may be absent. */
  countByState(): Partial<Record<TesState, number>>;
  close(): void;
}

export const TesTaskStore: InjectionToken<TesTaskStore> = Symbol.for('capstan.TesTaskStore');
