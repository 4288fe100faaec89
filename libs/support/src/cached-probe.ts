/**
 * A probe's answer reused for `ttlMs` (a daemon's cpu and memory, a service's rootless mode): callers that ask at
 * the same time share one call, and a failed probe is never reused, so the next caller asks again.
 */
export class CachedProbe<T> {
  private entry: { readonly at: number; readonly value: Promise<T> } | undefined;
  private lastKnown: T | undefined;

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The cached answer while it is fresh, else the answer of a new `probe()`; `fresh` skips the cache. */
  get(probe: () => Promise<T>, fresh = false): Promise<T> {
    if (!fresh && this.entry !== undefined && this.now() - this.entry.at < this.ttlMs) return this.entry.value;
    const value = probe();
    const entry = { at: this.now(), value };
    this.entry = entry;
    value.then(
      (answer) => {
        this.lastKnown = answer;
      },
      () => {
        if (this.entry === entry) this.entry = undefined;
      },
    );
    return value;
  }

  /** The last answer a probe gave, however old; undefined before the first success. */
  get last(): T | undefined {
    return this.lastKnown;
  }
}
