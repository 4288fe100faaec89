/**
 * Aborts a request that moves no byte for `timeoutMs`: the timer restarts at every chunk (`touch`), so a large
 * download that keeps moving is never cut, while a server that stops answering is.
 */
export class StallWatchdog {
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private stalled = false;

  constructor(private readonly timeoutMs: number) {
    this.touch();
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get fired(): boolean {
    return this.stalled;
  }

  touch(): void {
    clearTimeout(this.timer);
    if (this.stalled) return;
    this.timer = setTimeout(() => {
      this.stalled = true;
      this.controller.abort(new Error(`no data for ${this.timeoutMs} ms`));
    }, this.timeoutMs);
  }

  dispose(): void {
    clearTimeout(this.timer);
  }
}
