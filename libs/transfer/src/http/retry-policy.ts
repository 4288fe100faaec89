/** A failure worth another attempt: a network error, a stalled request, HTTP 408, 429 or a transient 5xx. */
export class RetryableFailure extends Error {
  constructor(
    /** Why the attempt failed, safe to show (`HTTP 503 Service Unavailable`, `ECONNREFUSED`). */
    readonly reason: string,
    /** The wait the server asked for (Retry-After), in milliseconds, or null. */
    readonly retryAfterMs: number | null = null,
    cause?: unknown,
  ) {
    super(reason, cause === undefined ? undefined : { cause });
  }
}

export interface RetrySettings {
  readonly retries: number;
  readonly backoffMs: number;
  readonly maxBackoffMs: number;
  readonly maxRetryAfterMs: number;
}

/** Waits that can be observed in tests; the default sleeps for real. */
export interface RetryClock {
  wait(ms: number, signal: AbortSignal | undefined): Promise<void>;
  now(): number;
  random(): number;
}

/** HTTP statuses that are tried again: the request may succeed later without any change. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || (status >= 500 && status !== 501 && status !== 505);
}

/** Reads Retry-After (seconds, or an HTTP date) as milliseconds from now; null when absent or unreadable. */
export function parseRetryAfter(header: string | null, nowMs: number): number | null {
  if (header === null) return null;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  if (!/^[a-z]{3}/i.test(text)) return null; // every HTTP date form starts with the day's name
  const date = Date.parse(text);
  return Number.isNaN(date) ? null : Math.max(0, date - nowMs);
}

/** The wait before retry number `retry` (1-based): doubling from backoffMs, capped, with half of it random. */
export function backoffDelay(retry: number, settings: RetrySettings, random: number): number {
  const full = Math.min(settings.maxBackoffMs, settings.backoffMs * 2 ** (retry - 1));
  return Math.round(full / 2 + (full / 2) * random);
}

/** The wait after a failure: the server's Retry-After within `maxRetryAfterMs`, else the backoff. */
export function retryDelay(failure: RetryableFailure, retry: number, settings: RetrySettings, random: number): number {
  if (failure.retryAfterMs !== null) return Math.min(failure.retryAfterMs, settings.maxRetryAfterMs);
  return backoffDelay(retry, settings, random);
}

/**
 * Runs `attempt` until it succeeds, throws something other than a RetryableFailure, or has failed `retries + 1`
 * times; then `giveUp` turns the last failure into the error to throw.
 */
export async function withRetries<T>(
  attempt: (attemptNumber: number) => Promise<T>,
  settings: RetrySettings,
  clock: RetryClock,
  signal: AbortSignal | undefined,
  giveUp: (failure: RetryableFailure, attempts: number) => Error,
): Promise<T> {
  for (let attemptNumber = 1; ; attemptNumber += 1) {
    try {
      return await attempt(attemptNumber);
    } catch (error) {
      if (!(error instanceof RetryableFailure) || signal?.aborted) throw error;
      if (attemptNumber > settings.retries) throw giveUp(error, attemptNumber);
      await clock.wait(retryDelay(error, attemptNumber, settings, clock.random()), signal);
    }
  }
}

/** A clock that really waits; the wait ends early (rejecting with the signal's reason) on abort. */
export const systemClock: RetryClock = {
  now: () => Date.now(),
  random: () => Math.random(),
  wait: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
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
    }),
};
