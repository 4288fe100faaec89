import { TransientFailure, withRetries } from './retry-policy';

const instant = { retries: 3, baseDelayMs: 0, maxDelayMs: 0 };

describe('withRetries', () => {
  it('tries again after transient failures, telling the operation which try it is', async () => {
    const tries: number[] = [];
    const value = await withRetries(
      async (attempt) => {
        tries.push(attempt);
        if (attempt < 3) throw new TransientFailure('503');
        return 'ok';
      },
      instant,
      () => new Error('gave up'),
    );
    expect(value).toBe('ok');
    expect(tries).toEqual([1, 2, 3]);
  });

  it('gives up after retries + 1 tries with the error giveUp makes', async () => {
    let calls = 0;
    const failing = withRetries(
      async () => {
        calls += 1;
        throw new TransientFailure('connect ECONNREFUSED');
      },
      instant,
      (failure, tries) => new Error(`${tries} tries, last ${failure.message}`),
    );
    await expect(failing).rejects.toThrow('4 tries, last connect ECONNREFUSED');
    expect(calls).toBe(4);
  });

  it('does not retry other failures', async () => {
    let calls = 0;
    const failing = withRetries(
      async () => {
        calls += 1;
        throw new Error('400');
      },
      instant,
      () => new Error('gave up'),
    );
    await expect(failing).rejects.toThrow('400');
    expect(calls).toBe(1);
  });

  it('stops waiting when the signal aborts', async () => {
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
