import { withRetry } from './retry';

const fast = { retries: 5, baseDelayMs: 1, maxDelayMs: 2 };

describe('withRetry', () => {
  it('repeats transient failures until the operation succeeds', async () => {
    let calls = 0;
    const result = await withRetry(
      async () => {
        calls += 1;
        if (calls < 3) throw new Error('transient');
        return 'ok';
      },
      () => true,
      fast,
    );
    expect(result).toBe('ok');
    expect(calls).toBe(3);
  });

  it('gives up after the retries, with the last error', async () => {
    let calls = 0;
    await expect(withRetry(async () => Promise.reject(new Error(`try ${++calls}`)), () => true, fast)).rejects.toThrow('try 6');
    expect(calls).toBe(6);
  });

  it('does not repeat a permanent failure', async () => {
    let calls = 0;
    await expect(withRetry(async () => Promise.reject(new Error(`try ${++calls}`)), () => false, fast)).rejects.toThrow('try 1');
  });

  it('stops waiting when the signal aborts', async () => {
    const controller = new AbortController();
    let calls = 0;
    const started = Date.now();
    const work = withRetry(async () => Promise.reject(new Error(`try ${++calls}`)), () => true, { retries: 5, baseDelayMs: 10_000, maxDelayMs: 10_000 }, controller.signal);
    setTimeout(() => controller.abort(), 20);
    await expect(work).rejects.toThrow('try 2');
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
