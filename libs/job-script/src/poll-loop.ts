import { jobIdBatches } from './job-id-batches';

/**
 * The jobs a scheduler backend follows, read together: `poll` gets every followed job id at once (one status call
 * for all of them; past MAX_JOB_LIST_CHARS of ids, one call per such list, one after the other), every interval,
 * only while there are jobs, one poll at a time (the next is scheduled when the last has answered).
 */
export class PollLoop<W> {
  private readonly watchers = new Map<string, W>();
  private timer: NodeJS.Timeout | undefined;
  private polling = false;

  constructor(
    private readonly intervalMs: number,
    private readonly poll: (ids: readonly string[]) => Promise<void>,
  ) {}

  /** Follows a job until the returned function is called. */
  watch(jobId: string, watcher: W): () => void {
    this.watchers.set(jobId, watcher);
    this.schedule();
    return () => {
      if (this.watchers.get(jobId) === watcher) this.watchers.delete(jobId);
      if (this.watchers.size === 0 && this.timer !== undefined) {
        clearTimeout(this.timer);
        this.timer = undefined;
      }
    };
  }

  /** The watcher of a job, while it is followed. */
  watcher(jobId: string): W | undefined {
    return this.watchers.get(jobId);
  }

  /** Stops polling (the watchers are forgotten). */
  close(): void {
    this.watchers.clear();
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    if (this.timer !== undefined || this.polling || this.watchers.size === 0) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.run();
    }, this.intervalMs);
  }

  private async run(): Promise<void> {
    const ids = [...this.watchers.keys()];
    if (ids.length === 0) return;
    this.polling = true;
    try {
      // A list that fails (or a watcher that throws) must not leave the other lists' jobs unread; the first error
      // still surfaces, as it did with one list.
      const errors: unknown[] = [];
      for (const batch of jobIdBatches(ids)) await this.poll(batch).catch((error: unknown) => errors.push(error));
      if (errors.length > 0) throw errors[0];
    } finally {
      this.polling = false;
      this.schedule();
    }
  }
}
