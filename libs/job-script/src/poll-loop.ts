/**
 * The jobs a scheduler backend follows, read together: `poll` gets every followed job id at once (one status call
 * for all of them), every interval, only while there are jobs, one poll at a time (the next is scheduled when the
 * last has answered).
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
      await this.poll(ids);
    } finally {
      this.polling = false;
      this.schedule();
    }
  }
}
