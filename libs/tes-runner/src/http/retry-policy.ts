import { retry, type RetryPolicy } from '@capstan/support';

export { parseRetryAfter, type RetryPolicy } from '@capstan/support';

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
 * The support library's retry (attempts from 1, an abort rejects with the signal's reason) for TES requests: only a
 * {@link TransientFailure} is tried again, and `giveUp` turns the last one into the error thrown.
 */
export function withRetries<T>(
  operation: (attempt: number) => Promise<T>,
  policy: RetryPolicy,
  giveUp: (failure: TransientFailure, tries: number) => Error,
  signal?: AbortSignal,
): Promise<T> {
  return retry(operation, {
    policy,
    isRetryable: (error) => error instanceof TransientFailure,
    retryAfterMs: (error) => (error as TransientFailure).retryAfterMs,
    giveUp: (error, attempts) => giveUp(error as TransientFailure, attempts),
    ...(signal ? { signal } : {}),
  });
}
