import { backoffDelay, isRetryableStatus, parseRetryAfter, RetryableFailure, retryDelay, withRetries, type RetryClock } from './retry-policy';

const settings = { retries: 3, backoffMs: 100, maxBackoffMs: 1000, maxRetryAfterMs: 5000 };

function recordingClock(): RetryClock & { waits: number[] } {
  const waits: number[] = [];
  return { waits, now: () => 0, random: () => 1, wait: async (ms) => void waits.push(ms) };
}

describe('retry policy', () => {
  it.each<[number, boolean]>([
    [408, true],
    [429, true],
    [500, true],
    [502, true],
    [503, true],
    [504, true],
    [501, false],
    [505, false],
    [400, false],
    [401, false],
    [404, false],
  ])('status %d retryable: %s', (status, expected) => {
    expect(isRetryableStatus(status)).toBe(expected);
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(parseRetryAfter('7', now)).toBe(7000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Tue, 31 Dec 2024 00:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeNull();
    expect(parseRetryAfter('-3', now)).toBeNull();
    expect(parseRetryAfter(null, now)).toBeNull();
  });

  it('doubles the backoff up to its cap, half of it random', () => {
    expect([1, 2, 3, 4, 5].map((retry) => backoffDelay(retry, settings, 1))).toEqual([100, 200, 400, 800, 1000]);
    expect([1, 2, 3].map((retry) => backoffDelay(retry, settings, 0))).toEqual([50, 100, 200]);
  });

  it('honours Retry-After up to maxRetryAfterMs', () => {
    expect(retryDelay(new RetryableFailure('x', 2000), 1, settings, 1)).toBe(2000);
    expect(retryDelay(new RetryableFailure('x', 3_600_000), 1, settings, 1)).toBe(5000);
    expect(retryDelay(new RetryableFailure('x', 0), 1, settings, 1)).toBe(0);
  });

  it('tries retries + 1 times, then gives up with the last failure', async () => {
    const clock = recordingClock();
    let attempts = 0;
    const run = withRetries(
      async () => {
        attempts += 1;
        throw new RetryableFailure(`failure ${attempts}`);
      },
      settings,
      clock,
      undefined,
      (failure, count) => new Error(`gave up after ${count}: ${failure.reason}`),
    );
    await expect(run).rejects.toThrow('gave up after 4: failure 4');
    expect(attempts).toBe(4);
    expect(clock.waits).toEqual([100, 200, 400]);
  });

  it('passes other errors through at once, and returns the first success', async () => {
    const clock = recordingClock();
    await expect(withRetries(async () => Promise.reject(new TypeError('bug')), settings, clock, undefined, () => new Error('no'))).rejects.toThrow('bug');
    let attempts = 0;
    const value = await withRetries(
      async () => {
        attempts += 1;
        if (attempts < 3) throw new RetryableFailure('flaky', attempts === 1 ? 1500 : null);
        return 'ok';
      },
      settings,
      clock,
      undefined,
      () => new Error('no'),
    );
    expect(value).toBe('ok');
    expect(clock.waits).toEqual([1500, 200]);
  });

  it('stops retrying once the signal fired', async () => {
    const controller = new AbortController();
    const clock = recordingClock();
    const run = withRetries(
      async () => {
        controller.abort();
        throw new RetryableFailure('flaky');
      },
      settings,
      clock,
      controller.signal,
      () => new Error('no'),
    );
    await expect(run).rejects.toBeInstanceOf(RetryableFailure);
    expect(clock.waits).toEqual([]);
  });
});
