import { jobIdBatches, MAX_JOB_LIST_CHARS } from './job-id-batches';
import { PollLoop } from './poll-loop';

/** 8-digit ids, as on a cluster that has run for years. */
const ids = (count: number): string[] => Array.from({ length: count }, (_, index) => String(10_000_000 + index));

describe('jobIdBatches', () => {
  it('keeps every id once, in order, in lists no longer than the limit when joined with commas', () => {
    const all = ids(20_000);
    const batches = jobIdBatches(all);
    // 20,000 x 9 characters = 180,000: one list would be over Linux's 131,072 for one argument (E2BIG).
    expect(all.join(',').length).toBeGreaterThan(131_072);
    expect(batches).toHaveLength(3);
    for (const batch of batches) expect(batch.join(',').length).toBeLessThanOrEqual(MAX_JOB_LIST_CHARS);
    expect(batches.flat()).toEqual(all);
  });

  it('fills a list up to exactly the limit and no further', () => {
    expect(jobIdBatches(['12', '34', '56'], 5)).toEqual([['12', '34'], ['56']]);
    expect(jobIdBatches(['12', '34', '56'], 4)).toEqual([['12'], ['34'], ['56']]);
    expect(jobIdBatches([], 5)).toEqual([]);
  });

  it('gives an id longer than the limit a list of its own instead of splitting or dropping it', () => {
    const huge = '9'.repeat(50);
    expect(jobIdBatches(['1', huge, '2'], 10)).toEqual([['1'], [huge], ['2']]);
  });
});

describe('PollLoop', () => {
  const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 30));

  it('polls a few jobs with one call, and 20,000 jobs of 8-digit ids with one call per list under the limit', async () => {
    const calls: string[][] = [];
    const loop = new PollLoop<string>(1, async (batch) => {
      calls.push([...batch]);
    });
    const few = ids(3).map((id) => loop.watch(id, id));
    await settle();
    loop.close();
    expect(calls[0]).toEqual(ids(3));
    few.forEach((unwatch) => unwatch());

    calls.length = 0;
    const many = new PollLoop<string>(60_000, async (batch) => {
      calls.push([...batch]);
    });
    for (const id of ids(20_000)) many.watch(id, id);
    await (many as unknown as { run(): Promise<void> }).run();
    many.close();
    expect(calls).toHaveLength(3);
    expect(Math.max(...calls.map((batch) => batch.join(',').length))).toBeLessThanOrEqual(MAX_JOB_LIST_CHARS);
    expect(calls.flat()).toEqual(ids(20_000));
  });

  it('still polls the other lists when one fails, and surfaces the failure', async () => {
    const polled: string[] = [];
    const loop = new PollLoop<string>(60_000, async (batch) => {
      if (batch.includes('10000000')) throw new Error('squeue: Socket timed out');
      polled.push(...batch);
    });
    for (const id of ids(20_000)) loop.watch(id, id);
    await expect((loop as unknown as { run(): Promise<void> }).run()).rejects.toThrow('Socket timed out');
    loop.close();
    // The first list failed; the two after it were read all the same.
    expect(polled).toEqual(ids(20_000).slice(jobIdBatches(ids(20_000))[0]?.length));
  });
});
