import { type SwarmApi, type SwarmTask } from './swarm-api';

/** Called after each poll with the service's tasks (empty when the swarm lists none) and when the poll was sent. */
export type TaskListener = (tasks: readonly SwarmTask[], polledAt: number) => void;

interface Watch {
  readonly onTasks: TaskListener;
  readonly onError: (error: unknown) => void;
}

/** What the watcher did, for tests and probes. */
export interface WatcherStats {
  /** `GET /tasks` calls made. */
  readonly polls: number;
  /** The most services one call answered for. */
  readonly widestPoll: number;
}

/**
 * Reads the state of every in-flight service of this backend in one `GET /tasks` call per interval (filtered by the
 * backend's session label), however many attempts run, and hands each service its tasks. The loop runs only while
 * some service is watched. A failed call (after the client's retries) is handed to every watcher.
 */
export class SwarmTaskWatcher {
  private readonly watches = new Map<string, Watch>();
  private loop: Promise<void> | undefined;
  private polls = 0;
  private widestPoll = 0;

  constructor(
    private readonly api: SwarmApi,
    private readonly sessionLabels: Readonly<Record<string, string>>,
    private readonly intervalMs: number,
  ) {}

  get stats(): WatcherStats {
    return { polls: this.polls, widestPoll: this.widestPoll };
  }

  /** Starts handing `serviceId`'s tasks to `onTasks` after every poll; returns the function that stops it. */
  watch(serviceId: string, onTasks: TaskListener, onError: (error: unknown) => void): () => void {
    const entry = { onTasks, onError };
    this.watches.set(serviceId, entry);
    this.loop ??= this.run().finally(() => (this.loop = undefined));
    return () => {
      if (this.watches.get(serviceId) === entry) this.watches.delete(serviceId);
    };
  }

  private async run(): Promise<void> {
    while (this.watches.size > 0) {
      const polledAt = performance.now();
      const watched = [...this.watches];
      let tasks: SwarmTask[];
      try {
        tasks = await this.api.listTasks(this.sessionLabels);
      } catch (error) {
        for (const [, watch] of watched) watch.onError(error);
        await sleep(this.intervalMs);
        continue;
      }
      this.polls += 1;
      this.widestPoll = Math.max(this.widestPoll, watched.length);
      const byService = new Map<string, SwarmTask[]>();
      for (const task of tasks) byService.set(task.serviceId, [...(byService.get(task.serviceId) ?? []), task]);
      for (const [serviceId, watch] of watched) {
        if (this.watches.get(serviceId) === watch) watch.onTasks(byService.get(serviceId) ?? [], polledAt);
      }
      if (this.watches.size > 0) await sleep(this.intervalMs);
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
