import { type StoredTesTask } from '@capstan/tes-model';
import { type TesTaskStore } from '@capstan/tes-store';

interface PendingInsert {
  readonly task: StoredTesTask;
  readonly owner: string;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Group commit: the creates that arrived in one turn of the event loop are stored in one transaction, and each is
 * answered only once it is stored. If the batch fails, each task is tried alone, so one bad task fails only itself.
 */
export class CreateBatcher {
  private readonly pending: PendingInsert[] = [];

  constructor(
    private readonly store: TesTaskStore,
    /** Called for each task once it is stored (with its owner), in the turn after its create is answered. */
    private readonly stored: (task: StoredTesTask, owner: string) => void,
  ) {}

  /** Resolves once `task` is stored (owned by `owner`); rejects with the store's error if it cannot be. */
  add(task: StoredTesTask, owner: string): Promise<void> {
    const { promise, resolve, reject } = Promise.withResolvers<void>();
    this.pending.push({ task, owner, resolve, reject });
    if (this.pending.length === 1) setImmediate(() => this.flush());
    return promise;
  }

  private flush(): void {
    const batch = this.pending.splice(0);
    let stored = batch;
    try {
      // The service made each task from a body validated once, in full, at the boundary: not parsed again.
      this.store.insertCreated(
        batch.map((pending) => pending.task),
        batch.map((pending) => pending.owner),
      );
    } catch {
      // Alone, and validated by the store (insert): the failing task gets the store's own words for what is wrong.
      stored = batch.filter((pending) => {
        try {
          this.store.insert(pending.task, pending.owner);
          return true;
        } catch (error) {
          pending.reject(error);
          return false;
        }
      });
    }
    for (const pending of stored) pending.resolve();
    // After the answers are on their way (their continuations run before the next turn): the created events and the
    // dispatcher's queue wait one turn, off each create's round trip. A task stored here is never lost: were the server
    // to close before this runs, the next start finds it QUEUED in the store and queues it.
    setImmediate(() => {
      for (const pending of stored) this.stored(pending.task, pending.owner);
    });
  }
}
