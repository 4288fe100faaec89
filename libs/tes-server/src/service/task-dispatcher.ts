import { type TesServiceOptions } from './tes-service-options';

/**
 * The service's run queue: at most `maxRunningTasks` tasks run at once (none while paused or closed), in the order
 * they were queued; each run has its own AbortController, the handle of a cancel.
 */
export class TaskDispatcher {
  private readonly queue: string[] = [];
  private readonly queued = new Set<string>();
  private readonly inFlight = new Map<string, AbortController>();
  private readonly running = new Set<Promise<void>>();
  private closed = false;

  constructor(
    private readonly options: Pick<TesServiceOptions, 'paused' | 'maxRunningTasks'>,
    /** Runs a queued task until it ends. */
    private readonly runQueued: (id: string, signal: AbortSignal) => Promise<void>,
    /** Ends a task whose run threw (a defect, not a task's failure). */
    private readonly endUnexpectedly: (id: string, error: unknown) => void,
  ) {}

  enqueue(id: string): void {
    if (this.closed || this.queued.has(id) || this.inFlight.has(id)) return;
    this.queue.push(id);
    this.queued.add(id);
    this.dispatch();
  }

  /** Runs `work` for task `id` now, outside the queue but counted among the running (a reconciled task). */
  launch(id: string, work: (signal: AbortSignal) => Promise<void>): void {
    const controller = new AbortController();
    this.inFlight.set(id, controller);
    const run = work(controller.signal)
      .catch((error: unknown) => this.endUnexpectedly(id, error))
      .finally(() => {
        this.inFlight.delete(id);
        this.running.delete(run);
        this.dispatch();
      });
    this.running.add(run);
  }

  /** Aborts task `id`'s run and returns true, or takes it off the queue and returns false when it does not run. */
  cancel(id: string): boolean {
    const controller = this.inFlight.get(id);
    if (controller === undefined) {
      this.queued.delete(id);
      return false;
    }
    controller.abort();
    return true;
  }

  /** Takes no more work; what runs keeps running. */
  close(): void {
    this.closed = true;
    this.queue.length = 0;
    this.queued.clear();
  }

  /** Resolves when every task this process started has ended. */
  async idle(): Promise<void> {
    while (this.running.size > 0 || this.queue.length > 0) await Promise.race(this.running);
  }

  private dispatch(): void {
    while (!this.closed && !this.options.paused && this.inFlight.size < this.options.maxRunningTasks && this.queue.length > 0) {
      const id = this.queue.shift() as string;
      if (!this.queued.delete(id)) continue;
      this.launch(id, (signal) => this.runQueued(id, signal));
    }
  }
}
