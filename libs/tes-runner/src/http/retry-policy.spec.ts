import { parseRetryAfter, retryDelay, TransientFailure, withRetries } from './retry-policy';

const policy = { retries: 3, delayMs: 100, maxDelayMs: 1000 };
const instant = { retries: 3, delayMs: 0, maxDelayMs: 0 };

describe('retryDelay', () => {
  it('doubles per retry, capped, with a random half to whole of it', () => {
    expect([0, 1, 2, 3, 4, 10].map((retry) => retryDelay(policy, retry, undefined, () => 1))).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect([0, 1, 2, 10].map((retry) => retryDelay(policy, retry, undefined, () => 0))).toEqual([50, 100, 200, 500]);
  });

  it('follows a Retry-After, capped at the longest wait', () => {
    expect(retryDelay(policy, 0, 300)).toBe(300);
    expect(retryDelay(policy, 0, 60_000)).toBe(1000);
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:05 GMT', Date.parse('Wed, 21 Oct 2015 07:28:00 GMT'))).toBe(5000);
    expect(parseRetryAfter(null)).toBeUndefined();
    expect(parseRetryAfter('soon')).toBeUndefined();
  });
});

describe('withRetries', () => {
  it('tries again after transient failures, telling the operation which try it is', async () => {
    const tries: number[] = [];
    const value = await withRetries(
      async (attempt) => {
        tries.push(attempt);
        if (attempt < 2) throw new TransientFailure('503');
        return 'ok';
      },
      instant,
      () => new Error('gave up'),
    );
    expect(value).toBe('ok');
    expect(tries).toEqual([0, 1, 2]);
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
      { retries: 3, delayMs: 0, maxDelayMs: 3_600_000 },
      () => new Error('gave up'),
      controller.signal,
    );
    await expect(failing).rejects.toThrow('stop');
  });
});
