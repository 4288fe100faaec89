import { isRetryableStatus, RetryableFailure, withRetries, type RetryClock } from './retry-policy';

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

  it('tries retries + 1 times with backoffMs doubling to maxBackoffMs and Retry-After cut to maxRetryAfterMs, then gives up', async () => {
    const clock = recordingClock();
    let attempts = 0;
    const run = withRetries(
      async () => {
        attempts += 1;
        throw new RetryableFailure(`failure ${attempts}`, attempts === 3 ? 3_600_000 : null);
      },
      { ...settings, retries: 5 },
      clock,
      undefined,
      (failure, count) => new Error(`gave up after ${count}: ${failure.reason}`),
    );
    await expect(run).rejects.toThrow('gave up after 6: failure 6');
    expect(attempts).toBe(6);
    expect(clock.waits).toEqual([100, 200, 5000, 800, 1000]);
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

  it('stops retrying once the signal fired, rejecting with its reason', async () => {
    const controller = new AbortController();
    const clock = recordingClock();
    const run = withRetries(
      async () => {
        controller.abort(new Error('transfer canceled'));
        throw new RetryableFailure('flaky');
      },
      settings,
      clock,
      controller.signal,
      () => new Error('no'),
    );
    await expect(run).rejects.toThrow('transfer canceled');
    expect(clock.waits).toEqual([]);
  });
});
