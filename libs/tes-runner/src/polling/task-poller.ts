import { CapstanError, ErrorCode } from '@capstan/core-constraints';
import { type TesTaskInView } from '@capstan/tes-model';
import { type TesHttpClient } from '../http/tes-http-client';

/** What one watched task hears from the poller. Each call may come from any poll; the watcher ignores repeats. */
export interface TaskWatcher {
  /** The task as the poll's list (BASIC view) shows it. */
  onTask(task: TesTaskInView): void;
  /** The server does not know the task any more (a 404), or could not be reached for too long. */
  onLost(message: string): void;
  /** Polling cannot go on for a reason a retry will not cure (credentials refused, a wrong url). */
  onFailure(error: Error): void;
  onWarning(message: string): void;
}

export interface TaskPollerSettings {
  readonly intervalMs: number;
  readonly pageSize: number;
  /** Polls failing for this long end every watched task as lost. */
  readonly unreachableTimeoutMs: number;
  /** The tag every task of this backend instance carries; the poll lists by it. */
  readonly tag: { readonly key: string; readonly value: string };
}

interface Watch {
  readonly watcher: TaskWatcher;
  /** The number of polls begun before the watch; only later polls may call it missing. */
  readonly since: number;
  warnedOutage: boolean;
  warnedUnlisted: boolean;
}

/**
 * One poll loop for all tasks of a backend instance: every `intervalMs`, ONE list call (GET /tasks with the
 * instance's tag, view BASIC; further pages only while a watched task is still unseen) answers for all of them. A
 * watched task missing from a complete listing is looked up by itself once: found, it is reported (and a warning says
 * the server's tag filter missed it); a 404 means the server lost it. The loop starts with the first watch and ends
 * when nothing is watched.
 */
export class TaskPoller {
  private readonly watches = new Map<string, Watch>();
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private polls = 0;
  private outageSince: number | undefined;

  constructor(
    private readonly client: Pick<TesHttpClient, 'listTasks' | 'getTask'>,
    private readonly settings: TaskPollerSettings,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether the loop runs (it does while anything is watched). */
  get active(): boolean {
    return this.loop !== undefined;
  }

  /** Settles when the loop has stopped (at once when it is not running). */
  async idle(): Promise<void> {
    while (this.loop !== undefined) await this.loop;
  }

  /** Watches one task until the returned function is called. */
  watch(id: string, watcher: TaskWatcher): () => void {
    this.watches.set(id, { watcher, since: this.polls, warnedOutage: false, warnedUnlisted: false });
    this.loop ??= this.run();
    return () => {
      if (this.watches.get(id)?.watcher !== watcher) return;
      this.watches.delete(id);
      if (this.watches.size === 0) this.wake?.();
    };
  }

  private async run(): Promise<void> {
    try {
      while (this.watches.size > 0) {
        await this.sleep(this.settings.intervalMs);
        if (this.watches.size > 0) await this.pollOnce();
      }
    } finally {
      this.loop = undefined;
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }

  private async pollOnce(): Promise<void> {
    const poll = ++this.polls;
    const expected = new Set([...this.watches].filter(([, watch]) => watch.since < poll).map(([id]) => id));
    let listed: Map<string, TesTaskInView>;
    try {
      listed = await this.listUntilSeen(expected);
    } catch (error) {
      this.pollFailed(error);
      return;
    }
    this.outageSince = undefined;
    const missing: string[] = [];
    for (const [id, watch] of [...this.watches]) {
      watch.warnedOutage = false;
      const task = listed.get(id);
      if (task !== undefined) watch.watcher.onTask(task);
      else if (expected.has(id)) missing.push(id);
    }
    for (const id of missing) await this.lookUp(id);
  }

  /** Pages through this instance's tasks until every expected one is seen or there is no next page. */
  private async listUntilSeen(expected: ReadonlySet<string>): Promise<Map<string, TesTaskInView>> {
    const listed = new Map<string, TesTaskInView>();
    const tokens = new Set<string>();
    let pageToken: string | undefined;
    for (;;) {
      const page = await this.client.listTasks({ tags: { [this.settings.tag.key]: this.settings.tag.value }, view: 'BASIC', pageSize: this.settings.pageSize, pageToken });
      for (const task of page.tasks) if (task.id !== undefined) listed.set(task.id, task);
      pageToken = page.next_page_token === '' ? undefined : page.next_page_token;
      const allSeen = [...expected].every((id) => listed.has(id));
      // A token seen before would loop forever; the listing is then taken as complete.
      if (pageToken === undefined || allSeen || tokens.has(pageToken)) return listed;
      tokens.add(pageToken);
    }
  }

  private async lookUp(id: string): Promise<void> {
    const watch = this.watches.get(id);
    if (watch === undefined) return;
    try {
      const task = await this.client.getTask(id, 'BASIC');
      if (!watch.warnedUnlisted) {
        watch.warnedUnlisted = true;
        watch.watcher.onWarning(
          `TES task ${id} was missing from the server's list of this backend's tasks (tag ${this.settings.tag.key}=${this.settings.tag.value}); it is looked up by itself, one request per poll (does the server filter by tags, TES 1.1?)`,
        );
      }
      if (this.watches.get(id) === watch) watch.watcher.onTask(task);
    } catch (error) {
      if (error instanceof CapstanError && error.code === ErrorCode.TesTaskNotFound) {
        watch.watcher.onLost(`the TES server no longer knows task ${id} (GET /tasks/${id} answered 404)`);
      } else if (isRefusal(error)) {
        watch.watcher.onFailure(error as Error);
      }
      // Other failures are transient: the next poll looks again.
    }
  }

  private pollFailed(error: unknown): void {
    if (isRefusal(error)) {
      for (const watch of [...this.watches.values()]) watch.watcher.onFailure(error as Error);
      return;
    }
    const reason = error instanceof Error ? error.message : String(error);
    this.outageSince ??= this.now();
    const outageMs = this.now() - this.outageSince;
    for (const watch of [...this.watches.values()]) {
      if (outageMs >= this.settings.unreachableTimeoutMs) {
        watch.watcher.onLost(`the TES server could not be polled for ${Math.round(outageMs / 1000)} s (last: ${reason}); the task may still run there`);
      } else if (!watch.warnedOutage) {
        watch.warnedOutage = true;
        watch.watcher.onWarning(`polling the TES server failed (${reason}); trying again every ${this.settings.intervalMs} ms`);
      }
    }
  }
}

/** A 4xx answer (not 429): trying again will not help. */
function isRefusal(error: unknown): boolean {
  if (!(error instanceof CapstanError)) return false;
  const status = error.details['status'];
  return error.details['transient'] !== true && typeof status === 'number' && status >= 400 && status < 500;
}
