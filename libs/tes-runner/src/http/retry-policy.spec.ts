import { TransientFailure, withRetries } from './retry-policy';

const instant = { retries: 3, baseDelayMs: 0, maxDelayMs: 0 };

// The loop itself (backoff, attempt numbers, abort) is tested in @capstan/support; these pin what TES adds to it.
describe('withRetries (TES requests)', () => {
  it('retries only a TransientFailure, numbering tries from 1, and hands the last one and the count to giveUp', async () => {
    const tries: number[] = [];
    const failing = withRetries(
      async (attempt) => {
        tries.push(attempt);
        throw new TransientFailure('connect ECONNREFUSED');
      },
      instant,
      (failure, count) => new Error(`${count} tries, last ${failure.message}`),
    );
    await expect(failing).rejects.toThrow('4 tries, last connect ECONNREFUSED');
    expect(tries).toEqual([1, 2, 3, 4]);
    let calls = 0;
    await expect(withRetries(async () => Promise.reject(new Error(`400 (${++calls})`)), instant, () => new Error('gave up'))).rejects.toThrow('400 (1)');
  });

  it('waits what the server asked with Retry-After, within maxDelayMs', async () => {
    let calls = 0;
    const started = Date.now();
    const value = await withRetries(
      async () => {
        calls += 1;
        if (calls === 1) throw new TransientFailure('503', 503, 60_000);
        return 'ok';
      },
      { retries: 1, baseDelayMs: 0, maxDelayMs: 50 },
      () => new Error('gave up'),
    );
    expect(value).toBe('ok');
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('rejects with the signal\'s reason once it aborts, even while the server asks for an hour', async () => {
    const controller = new AbortController();
    const failing = withRetries(
      async () => {
        controller.abort(new Error('stop'));
        throw new TransientFailure('503', 503, 3_600_000);
      },
      { retries: 3, baseDelayMs: 0, maxDelayMs: 3_600_000 },
      () => new Error('gave up'),
      controller.signal,
    );
    await expect(failing).rejects.toThrow('stop');
  });
});
