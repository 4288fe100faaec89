export interface RetryPolicy {
  /** Retries after the first try; Sprocket's client also makes 5. */
  readonly retries: number;
  /** The first wait; each next one doubles, with up to 25 % jitter. */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { retries: 5, baseDelayMs: 200, maxDelayMs: 5_000 };

/**
 * Runs `operation` until it succeeds, it fails with an error `isTransient` rejects, or the retries are used up
 * (then the last error is thrown). The waits end early when `signal` aborts; the last error is thrown then.
 */
export async function withRetry<T>(
  operation: (attempt: number) => Promise<T>,
  isTransient: (error: unknown) => boolean,
  policy: RetryPolicy = DEFAULT_RETRY_POLICY,
  signal?: AbortSignal,
): Promise<T> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await operation(attempt);
    } catch (error) {
      if (attempt >= policy.retries || !isTransient(error) || signal?.aborted === true) throw error;
      const delay = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
      await sleep(delay * (1 + Math.random() * 0.25), signal);
    }
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
