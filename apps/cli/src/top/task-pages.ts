import { type Paging, type TopTask } from './top-view';

/** Tasks asked for per list request. */
export const PAGE_SIZE = 100;
/**
 * The most tasks top holds at once (their rows, last line cut to LAST_LINE_MAX): a few MB whatever the server holds.
 * Paging on past it drops the tasks loaded after the newest page, and the header says how many were skipped.
 */
export const MAX_LOADED = 5_000;
/** Pages read for one scroll past the end while none holds a task the filter shows (a rare state far down). */
const PAGES_PER_ASK = 10;

export interface Page {
  readonly tasks: readonly TopTask[];
  readonly next?: string;
}

/**
 * top's window on a server's task list (newest first, pages by token): the newest page, read again at every poll, and
 * the pages read after it on demand (scrolling past the last row), which the event stream keeps up to date. The
 * server's tokens point after a task, not at an offset, so new tasks shift nothing: one pushed out of the newest page
 * joins the loaded ones, and no gap opens between them.
 */
export class TaskPages {
  private head = new Map<string, TopTask>();
  private older = new Map<string, TopTask>();
  private headNext: string | undefined;
  private olderNext: string | undefined;
  /** Whether any page after the newest was read: then `olderNext`, not `headNext`, is where the list goes on. */
  private paged = false;
  private skipped = 0;

  constructor(private readonly fetchPage: (token: string | undefined) => Promise<Page>) {}

  async refreshHead(): Promise<void> {
    const page = await this.fetchPage(undefined);
    const next = new Map(page.tasks.map((task) => [task.key, task]));
    if (this.paged) {
      for (const [key, task] of this.head) {
        if (next.has(key)) continue;
        // Older than the newest page now: between it and the loaded ones, or in the skipped stretch when there is one.
        if (this.skipped > 0 || this.head.size + this.older.size >= MAX_LOADED) this.skipped += 1;
        else this.older.set(key, task);
      }
    }
    this.head = next;
    this.headNext = page.next;
    for (const key of next.keys()) this.older.delete(key);
  }

  tasks(): TopTask[] {
    return [...this.head.values(), ...this.older.values()];
  }

  get(key: string): TopTask | undefined {
    return this.head.get(key) ?? this.older.get(key);
  }

  set(task: TopTask): void {
    if (this.head.has(task.key)) this.head.set(task.key, task);
    else if (this.older.has(task.key)) this.older.set(task.key, task);
  }

  paging(): Paging {
    return { loaded: this.head.size + this.older.size, more: this.continuation() !== undefined, skipped: this.skipped };
  }

  /** Reads the next pages until one holds a task that `wanted` keeps, the list ends, or PAGES_PER_ASK were read. */
  async more(wanted: (task: TopTask) => boolean): Promise<void> {
    for (let read = 0; read < PAGES_PER_ASK; read += 1) {
      const token = this.continuation();
      if (token === undefined) return;
      const page = await this.fetchPage(token);
      if (this.head.size + this.older.size + page.tasks.length > MAX_LOADED) {
        this.skipped += this.older.size;
        this.older.clear();
      }
      page.tasks.filter((task) => !this.head.has(task.key)).forEach((task) => this.older.set(task.key, task));
      this.olderNext = page.next;
      this.paged = true;
      if (page.tasks.some(wanted)) return;
    }
  }

  /** Back to the newest page alone. */
  rewind(): void {
    this.older.clear();
    this.olderNext = undefined;
    this.paged = false;
    this.skipped = 0;
  }

  private continuation(): string | undefined {
    return this.paged ? this.olderNext : this.headNext;
  }
}
