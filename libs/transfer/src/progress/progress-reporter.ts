/** One progress event of a transfer. `url` is redacted; `bytesTotal` is null while the size is unknown. */
export interface TransferProgress {
  readonly direction: 'in' | 'out';
  readonly url: string;
  readonly bytesDone: number;
  readonly bytesTotal: number | null;
}

export type ProgressListener = (event: TransferProgress) => void;

/**
 * Sends progress events at most once per interval, plus the first and the last. A listener that throws is reported
 * as a process warning and does not stop the transfer.
 */
export class ProgressReporter {
  private bytesDone = 0;
  private lastSentAt = Number.NEGATIVE_INFINITY;
  private lastSent: TransferProgress | null = null;

  constructor(
    private readonly direction: 'in' | 'out',
    private readonly url: string,
    private bytesTotal: number | null,
    private readonly listener: ProgressListener | undefined,
    private readonly intervalMs: number,
    private readonly now: () => number,
  ) {}

  setTotal(bytesTotal: number | null): void {
    this.bytesTotal = bytesTotal;
  }

  /** Records the bytes moved so far (a retry may start again from 0) and sends an event if the interval has passed. */
  update(bytesDone: number): void {
    this.bytesDone = bytesDone;
    if (this.now() - this.lastSentAt >= this.intervalMs) this.send();
  }

  /** Sends the final count unless exactly that event was the last one sent. */
  finish(): void {
    const last = this.lastSent;
    if (last === null || last.bytesDone !== this.bytesDone || last.bytesTotal !== this.bytesTotal) this.send();
  }

  private send(): void {
    this.lastSentAt = this.now();
    const event: TransferProgress = { direction: this.direction, url: this.url, bytesDone: this.bytesDone, bytesTotal: this.bytesTotal };
    this.lastSent = event;
    if (this.listener === undefined) return;
    try {
      this.listener(event);
    } catch (error) {
      const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
      process.emitWarning(`A transfer progress listener threw for ${this.url}: ${detail}`);
    }
  }
}
