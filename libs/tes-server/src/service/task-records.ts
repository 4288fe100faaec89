import { type StoredTesTask, type TesExecutorLog, type TesState, type TesTaskLog } from '@capstan/tes-model';
import { type UsageSample } from '@capstan/core-constraints';
import { type TesTaskStore } from '@capstan/tes-store';
import { type TransferProgress } from '@capstan/transfer';
import { inTesTerms } from './tes-terms';

/** What the service reports while it works (the api logs them). */
export type TesServiceEvent =
  | { readonly type: 'state'; readonly taskId: string; readonly state: TesState }
  | { readonly type: 'transfer'; readonly taskId: string; readonly progress: TransferProgress }
  | { readonly type: 'reconciled'; readonly taskId: string; readonly outcome: string }
  | { readonly type: 'executor-started'; readonly taskId: string; readonly executor: number }
  | { readonly type: 'executor-ended'; readonly taskId: string; readonly executor: number; readonly exitCode: number }
  | { readonly type: 'usage'; readonly taskId: string; readonly executor: number; readonly sample: UsageSample }
  | { readonly type: 'system-log'; readonly taskId: string; readonly message: string }
  /** For the operator: an executor ran out of memory; `message` is the engine's own (host paths and Capstan's fields). */
  | { readonly type: 'oom'; readonly taskId: string; readonly executor: number; readonly message: string; readonly settings: string };

/**
 * The one writer of a task's state and logs, shared by the service's parts. Once closed it writes nothing: the next
 * process reconciles from what the store holds, so a late write from a run this process gave up would only mislead it.
 */
export class TaskRecords {
  private readonly listeners = new Set<(event: TesServiceEvent) => void>();
  private isClosed = false;

  /** `dataDir` is the server's data folder: system logs name the task's container paths instead of host paths in it. */
  constructor(
    readonly store: TesTaskStore,
    private readonly dataDir: string,
  ) {}

  get closed(): boolean {
    return this.isClosed;
  }

  close(): void {
    this.isClosed = true;
  }

  subscribe(listener: (event: TesServiceEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: TesServiceEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  setState(id: string, state: TesState, change: (task: StoredTesTask) => StoredTesTask = (task) => task): StoredTesTask | undefined {
    if (this.isClosed) return undefined;
    const updated = this.store.update(id, (task) => ({ ...change(task), state }));
    this.emit({ type: 'state', taskId: id, state });
    return updated;
  }

  /** Changes the current task log (the last one) without changing the state. */
  updateLog(id: string, change: (log: TesTaskLog) => TesTaskLog): void {
    if (this.isClosed) return;
    this.store.update(id, (task) => withCurrentLog(task, change));
  }

  /** Adds a line to the task's system log, in the client's terms (see {@link inTesTerms}). */
  systemLog(id: string, message: string): void {
    if (this.isClosed) return;
    const line = inTesTerms(message, this.dataDir, id);
    this.updateLog(id, (log) => ({ ...log, system_logs: [...(log.system_logs ?? []), line] }));
    this.emit({ type: 'system-log', taskId: id, message: line });
  }

  /** Puts executor `index`'s log at its place in the current task log (log i is executor i), optionally with a new state. */
  setExecutorLog(id: string, index: number, log: TesExecutorLog, state?: TesState): void {
    const change = (task: StoredTesTask): StoredTesTask => withCurrentLog(task, (last) => ({ ...last, logs: [...last.logs.slice(0, index), log, ...last.logs.slice(index + 1)] }));
    if (state !== undefined) {
      this.setState(id, state, change);
    } else if (!this.isClosed) {
      this.store.update(id, change);
    }
  }

  /** Stores an executor's log, and makes the task RUNNING if it was not yet (a backend that reports no start: local). */
  putExecutorLog(id: string, index: number, log: TesExecutorLog): void {
    const state = this.store.get(id)?.state;
    this.setExecutorLog(id, index, log, state === 'QUEUED' || state === 'INITIALIZING' ? 'RUNNING' : undefined);
  }
}

/** The task with its current task log (the last one, made if there is none) changed. */
export function withCurrentLog(task: StoredTesTask, change: (log: TesTaskLog) => TesTaskLog): StoredTesTask {
  const logs = task.logs.length === 0 ? [{ logs: [], outputs: [] }] : task.logs;
  return { ...task, logs: [...logs.slice(0, -1), change(logs[logs.length - 1] as TesTaskLog)] };
}
