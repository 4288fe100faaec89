/**
 * One retry loop for every layer (Docker API calls, TES requests, HTTP transfers). Its semantics, recorded in
 * docs/decisions.md: attempts count from 1; `retries` is the number of tries after the first; the wait before
 * retry n is `baseDelayMs * 2^(n-1)`, capped at `maxDelayMs`, of which a random part between a half and the whole
 * is taken; a server's Retry-After wins, capped at `maxRetryAfterMs`; an abort rejects with the signal's reason.
 */
export interface RetryPolicy {
  /** Tries after the first one: 0 tries once. */
  readonly retries: number;
  /** The wait before the first retry; each next one doubles. */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** The longest server-asked wait (Retry-After) honoured; `maxDelayMs` when not given. */
  readonly maxRetryAfterMs?: number;
}

/** Waits that tests can observe or shorten; `systemClock` sleeps for real. */
export interface RetryClock {
  wait(ms: number, signal: AbortSignal | undefined): Promise<void>;
  now(): number;
  random(): number;
}

export interface RetryOptions {
  readonly policy: RetryPolicy;
  /** Whether a failure is worth another try; anything else is thrown as it is. */
  readonly isRetryable: (error: unknown) => boolean;
  /** The wait the server asked for with this failure (Retry-After), if any. */
  readonly retryAfterMs?: (error: unknown) => number | null | undefined;
  /** Turns the last retryable failure into what is thrown once the retries are used up; the failure itself when absent. */
  readonly giveUp?: (error: unknown, attempts: number) => unknown;
  readonly signal?: AbortSignal;
  readonly clock?: RetryClock;
}

/** Waits `ms`; rejects with the signal's reason as soon as it aborts (at once when it already has). */
export function abortableWait(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
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

export const systemClock: RetryClock = { now: () => Date.now(), random: () => Math.random(), wait: abortableWait };

/** The backoff before retry number `retry` (1 for the first): doubling, capped, with half of it random ("equal jitter"). */
export function backoffDelay(retry: number, policy: RetryPolicy, random: number): number {
  const full = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, retry - 1));
  return Math.round(full / 2 + (full / 2) * random);
}

/** The wait after a failure: the server's wish within `maxRetryAfterMs`, else the backoff. */
export function retryDelay(retry: number, policy: RetryPolicy, random: number, retryAfterMs?: number | null): number {
  if (retryAfterMs !== undefined && retryAfterMs !== null) return Math.min(Math.max(0, retryAfterMs), policy.maxRetryAfterMs ?? policy.maxDelayMs);
  return backoffDelay(retry, policy, random);
}

/**
 * Runs `operation` (given the attempt's number, 1 first) until it succeeds, fails with an error `isRetryable`
 * refuses (thrown as it is), or has failed `retries + 1` times (then `giveUp` decides what is thrown). When `signal`
 * aborts, before an attempt, after a failed one or during a wait, it rejects with the signal's reason.
 */
export async function retry<T>(operation: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const { policy, signal, clock = systemClock } = options;
  for (let attempt = 1; ; attempt += 1) {
    if (signal?.aborted) throw signal.reason;
    try {
      return await operation(attempt);
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      if (!options.isRetryable(error)) throw error;
      if (attempt > policy.retries) throw options.giveUp ? options.giveUp(error, attempt) : error;
      await clock.wait(retryDelay(attempt, policy, clock.random(), options.retryAfterMs?.(error)), signal);
    }
  }
}

/** Reads a Retry-After header (seconds, or an HTTP date) as milliseconds from `nowMs`; undefined when absent or unreadable. */
export function parseRetryAfter(header: string | null | undefined, nowMs: number = Date.now()): number | undefined {
  if (header === null || header === undefined) return undefined;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  if (!/^[a-z]{3}/i.test(text)) return undefined; // every HTTP date form starts with the day's name
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}
