import { CachedProbe } from './cached-probe';

describe('CachedProbe', () => {
  let clock = 0;
  const now = (): number => clock;
  beforeEach(() => {
    clock = 1_000;
  });

  it('reuses an answer while it is fresh, shares one call between callers, and asks again once it is stale', async () => {
    const cache = new CachedProbe<number>(30_000, now);
    let calls = 0;
    const probe = async (): Promise<number> => ++calls;
    const [a, b] = await Promise.all([cache.get(probe), cache.get(probe)]);
    expect([a, b, calls]).toEqual([1, 1, 1]);
    clock += 29_999;
    expect(await cache.get(probe)).toBe(1);
    clock += 1;
    expect(await cache.get(probe)).toBe(2);
    expect(await cache.get(probe, true)).toBe(3);
    expect(cache.last).toBe(3);
  });

  it('fault: never reuses a failed probe, and keeps the last good answer for those who want one', async () => {
    const cache = new CachedProbe<string>(30_000, now);
    expect(cache.last).toBeUndefined();
    await cache.get(async () => 'up');
    await expect(cache.get(async () => Promise.reject(new Error('daemon down')), true)).rejects.toThrow('daemon down');
    expect(cache.last).toBe('up');
    expect(await cache.get(async () => 'back')).toBe('back');
  });

  it('a stale failure does not evict a newer answer', async () => {
    const cache = new CachedProbe<string>(30_000, now);
    let fail: (error: Error) => void = () => undefined;
    const slow = cache.get(() => new Promise<string>((_resolve, reject) => (fail = reject)));
    const newer = cache.get(async () => 'newer', true);
    fail(new Error('late failure'));
    await expect(slow).rejects.toThrow('late failure');
    expect(await newer).toBe('newer');
    expect(await cache.get(async () => 'not asked')).toBe('newer');
  });
});
