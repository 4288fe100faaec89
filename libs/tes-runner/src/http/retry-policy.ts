/** How often, and after what waits, a request failing for a transient reason is tried again. */
export interface RetryPolicy {
  /** Tries after the first one. */
  readonly retries: number;
  readonly delayMs: number;
  readonly maxDelayMs: number;
}

/**
 * A failure worth another try: a network error, no answer in time, a 5xx or a 429. `retryAfterMs` is the server's
 * Retry-After when it sent one. Whoever gives up turns it into a CapstanError (see `TesHttpClient`).
 */
export class TransientFailure extends Error {
  override readonly name = 'TransientFailure';

  constructor(
    message: string,
    readonly status?: number,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/**
 * The wait before retry number `retry` (0 for the first): `delayMs * 2^retry`, capped at `maxDelayMs`, of which a
 * random part between a half and the whole is taken, so that many clients failing together do not retry together.
 * A server's Retry-After wins, capped too.
 */
export function retryDelay(policy: RetryPolicy, retry: number, retryAfterMs?: number, random: () => number = Math.random): number {
  if (retryAfterMs !== undefined) return Math.min(Math.max(0, retryAfterMs), policy.maxDelayMs);
  const ceiling = Math.min(policy.maxDelayMs, policy.delayMs * 2 ** retry);
  return Math.round(ceiling * (0.5 + random() / 2));
}

/** Reads a Retry-After header (seconds, or an HTTP date) as milliseconds from `now`; undefined when absent or unreadable. */
export function parseRetryAfter(header: string | null, now: number = Date.now()): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const text = header.trim();
  if (/^[0-9]+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * Runs `operation` (given the number of the try, 0 first) until it succeeds, fails for a reason that is not a
 * {@link TransientFailure}, or has failed `policy.retries + 1` times; then `giveUp` turns the last failure into the
 * error thrown. The waits end early, with the signal's reason, when `signal` aborts.
 */
export async function withRetries<T>(
  operation: (attempt: number) => Promise<T>,
  policy: RetryPolicy,
  giveUp: (failure: TransientFailure, tries: number) => Error,
  signal?: AbortSignal,
): Promise<T> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await operation(attempt);
    } catch (error) {
      if (!(error instanceof TransientFailure)) throw error;
      if (attempt >= policy.retries) throw giveUp(error, attempt + 1);
      await sleep(retryDelay(policy, attempt, error.retryAfterMs), signal);
    }
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
