import { backoffDelay, parseRetryAfter, retry, retryDelay } from './retry';
import { recordingClock } from './testing';

const policy = { retries: 3, baseDelayMs: 100, maxDelayMs: 1000 };

class Flaky extends Error {}

describe('retry', () => {
  it('numbers attempts from 1 and returns the first success', async () => {
    const seen: number[] = [];
    const clock = recordingClock();
    const value = await retry(
      async (attempt) => {
        seen.push(attempt);
        if (attempt < 3) throw new Flaky('not yet');
        return 'done';
      },
      { policy, isRetryable: (error) => error instanceof Flaky, clock },
    );
    expect(value).toBe('done');
    expect(seen).toEqual([1, 2, 3]);
    expect(clock.waits).toEqual([100, 200]);
  });

  it('tries retries + 1 times, then throws what giveUp makes of the last failure', async () => {
    let calls = 0;
    const failing = retry(async () => Promise.reject(new Flaky(`try ${++calls}`)), {
      policy,
      isRetryable: () => true,
      giveUp: (error, attempts) => new Error(`gave up after ${attempts}: ${(error as Error).message}`),
      clock: recordingClock(),
    });
    await expect(failing).rejects.toThrow('gave up after 4: try 4');
  });

  it('throws the last failure itself without giveUp, and a non-retryable one at once', async () => {
    let calls = 0;
    await expect(retry(async () => Promise.reject(new Flaky(`try ${++calls}`)), { policy, isRetryable: () => true, clock: recordingClock() })).rejects.toThrow('try 4');
    calls = 0;
    await expect(retry(async () => Promise.reject(new TypeError(`bug ${++calls}`)), { policy, isRetryable: (e) => e instanceof Flaky, clock: recordingClock() })).rejects.toThrow('bug 1');
  });

  it('takes the server-asked wait, capped at maxRetryAfterMs', async () => {
    const clock = recordingClock();
    let calls = 0;
    await retry(
      async () => {
        calls += 1;
        if (calls === 1) throw Object.assign(new Flaky('busy'), { after: 60_000 });
        if (calls === 2) throw Object.assign(new Flaky('busy'), { after: 20 });
        return 'ok';
      },
      { policy: { ...policy, maxRetryAfterMs: 5000 }, isRetryable: () => true, retryAfterMs: (e) => (e as { after: number }).after, clock },
    );
    expect(clock.waits).toEqual([5000, 20]);
  });

  it('rejects with the signal reason when aborted during a wait, and does not try again', async () => {
    const controller = new AbortController();
    let calls = 0;
    const failing = retry(async () => Promise.reject(new Flaky(`try ${++calls}`)), {
      policy: { retries: 5, baseDelayMs: 60_000, maxDelayMs: 60_000 },
      isRetryable: () => true,
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(new Error('stop now')), 10);
    await expect(failing).rejects.toThrow('stop now');
    expect(calls).toBe(1);
  });

  it('rejects with the signal reason, not the failure, when the attempt fails because of the abort; never starts when already aborted', async () => {
    const controller = new AbortController();
    const failing = retry(
      async () => {
        controller.abort(new Error('canceled'));
        throw new Flaky('socket closed');
      },
      { policy, isRetryable: () => true, signal: controller.signal, clock: recordingClock() },
    );
    await expect(failing).rejects.toThrow('canceled');
    let started = false;
    await expect(retry(async () => (started = true), { policy, isRetryable: () => true, signal: controller.signal })).rejects.toThrow('canceled');
    expect(started).toBe(false);
  });
});

describe('backoff and Retry-After', () => {
  it('doubles from baseDelayMs, capped, with between a half and the whole taken', () => {
    expect([1, 2, 3, 4, 5, 30].map((n) => backoffDelay(n, policy, 1))).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect([1, 2, 3].map((n) => backoffDelay(n, policy, 0))).toEqual([50, 100, 200]);
    expect(retryDelay(1, policy, 1, -5)).toBe(0);
    expect(retryDelay(1, policy, 1, 10 ** 12)).toBe(1000);
    expect(retryDelay(1, policy, 1, null)).toBe(100);
  });

  it('reads seconds and HTTP dates; refuses anything else', () => {
    const now = Date.parse('Wed, 01 Jan 2025 00:00:00 GMT');
    expect(parseRetryAfter('7', now)).toBe(7000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Tue, 31 Dec 2024 00:00:00 GMT', now)).toBe(0);
    for (const hostile of ['soon', '-3', '1e9', '2025-01-01', '', null, undefined]) expect(parseRetryAfter(hostile, now)).toBeUndefined();
  });
});
