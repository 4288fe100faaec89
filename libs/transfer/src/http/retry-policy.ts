import { retry, type RetryClock } from '@capstan/support';

export { parseRetryAfter, systemClock, type RetryClock } from '@capstan/support';

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

/** The transfer options' names for the support library's retry policy (they are configuration keys, so they stay). */
export interface RetrySettings {
  readonly retries: number;
  readonly backoffMs: number;
  readonly maxBackoffMs: number;
  readonly maxRetryAfterMs: number;
}

/** HTTP statuses that are tried again: the request may succeed later without any change. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || (status >= 500 && status !== 501 && status !== 505);
}

/**
 * The support library's retry (attempts from 1, an abort rejects with the signal's reason) for transfers: only a
 * {@link RetryableFailure} is tried again, and `giveUp` turns the last one into the error thrown.
 */
export function withRetries<T>(
  attempt: (attemptNumber: number) => Promise<T>,
  settings: RetrySettings,
  clock: RetryClock,
  signal: AbortSignal | undefined,
  giveUp: (failure: RetryableFailure, attempts: number) => Error,
): Promise<T> {
  return retry(attempt, {
    policy: { retries: settings.retries, baseDelayMs: settings.backoffMs, maxDelayMs: settings.maxBackoffMs, maxRetryAfterMs: settings.maxRetryAfterMs },
    isRetryable: (error) => error instanceof RetryableFailure,
    retryAfterMs: (error) => (error as RetryableFailure).retryAfterMs,
    giveUp: (error, attempts) => giveUp(error as RetryableFailure, attempts),
    clock,
    ...(signal ? { signal } : {}),
  });
}
