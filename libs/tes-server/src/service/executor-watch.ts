import { type UsageSample } from '@capstan/core-constraints';
import { type EngineEvent } from '@capstan/engine';

/** The fastest an executor log's stdout/stderr tails are refreshed in the store while it runs. */
export const LOG_REFRESH_MS = 2_000;
/** How long after an output event its text is read back: the backend writes it to the file asynchronously. */
const WRITE_SETTLE_MS = 250;

export interface ExecutorWatchHooks {
  /** The executor's container started (once per attempt): its log appears, the task may become RUNNING. */
  readonly started: (at: Date) => void;
  /** Refresh the tails from the attempt's captured files (`folder`); at most once per {@link LOG_REFRESH_MS}. */
  readonly refresh: (folder: string) => Promise<void>;
  /** A usage reading of the running attempt. */
  readonly usage?: (sample: UsageSample) => void;
}

/**
 * Follows one executor's engine events: says when its container starts, and turns its output events into tail
 * refreshes at a bounded rate (a trailing refresh catches the last lines of a burst), so that a chatty task cannot
 * make the server rewrite its row for every line.
 */
export class ExecutorWatch {
  private folder: string | undefined;
  private lastRefresh = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly hooks: ExecutorWatchHooks) {}

  /** The current attempt's folder (its captured stdout and stderr), once the engine said which. */
  get attemptFolder(): string | undefined {
    return this.folder;
  }

  readonly onEvent = (event: EngineEvent): void => {
    if (this.stopped) return;
    if (event.type === 'attempt-started') this.folder = event.folder;
    if (event.type !== 'backend') return;
    if (event.event.type === 'started') this.hooks.started(new Date(event.time));
    if (event.event.type === 'log') this.schedule();
    if (event.event.type === 'usage') {
      const { type: _type, ...sample } = event.event;
      this.hooks.usage?.(sample);
    }
  };

  /** No refresh after this: the executor's final log is written next. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private schedule(): void {
    if (this.timer !== undefined || this.folder === undefined) return;
    const folder = this.folder;
    this.timer = setTimeout(() => {
      this.lastRefresh = Date.now();
      this.hooks.refresh(folder).catch(() => undefined).finally(() => (this.timer = undefined));
    }, Math.max(WRITE_SETTLE_MS, this.lastRefresh + LOG_REFRESH_MS - Date.now()));
  }
}
