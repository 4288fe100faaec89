import { type UsageSample } from '@capstan/core-constraints';
import { type UsageReading, UsageMeter } from './usage-meter';

const tick = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A meter over scripted readings, with a clock that advances one second per reading. */
function scripted(readings: ReadonlyArray<UsageReading | null | Error>, intervalMs = 5): { meter: UsageMeter; samples: UsageSample[]; reads: () => number } {
  let clock = 0;
  let index = 0;
  const samples: UsageSample[] = [];
  const meter = new UsageMeter(
    () => {
      const next = readings[Math.min(index, readings.length - 1)];
      index += 1;
      clock += 1000;
      return next instanceof Error ? Promise.reject(next) : Promise.resolve(next ?? null);
    },
    { intervalMs, emit: (sample) => samples.push(sample), now: () => clock },
  );
  return { meter, samples, reads: () => index };
}

describe('UsageMeter', () => {
  it('sums readings: peak memory from the high-water mark or the current value, CPU % between readings and on average', async () => {
    const { meter, samples } = scripted([
      { memoryBytes: 100, cpuUserSeconds: 0.5, cpuSystemSeconds: 0.5, readBytes: 10, writtenBytes: 0 },
      { memoryBytes: 300, peakMemoryBytes: 250, cpuUserSeconds: 1, cpuSystemSeconds: 1, readBytes: 20, writtenBytes: 5 },
      { memoryBytes: 50, cpuUserSeconds: 1.5, cpuSystemSeconds: 1, readBytes: 20, writtenBytes: 5 },
    ]);
    meter.start();
    while (samples.length < 3) await tick(5);
    const usage = await meter.stop();
    expect(samples[0]).toEqual({ elapsedSeconds: 1, memoryBytes: 100, peakMemoryBytes: 100, cpuPercent: 100, cpuSeconds: 1, readBytes: 10, writtenBytes: 0 });
    expect(samples[2]?.cpuPercent).toBe(50);
    expect(usage).toMatchObject({ peakMemoryBytes: 300, cpuUserSeconds: 1.5, cpuSystemSeconds: 1, cpuPercentPeak: 100, readBytes: 20, writtenBytes: 5 });
    expect(usage.cpuPercentMean).toBeCloseTo((100 * 2.5) / usage.samples, 1);
    expect(usage.partial).toBeUndefined();
  });

  it('leaves out what the source cannot read instead of reporting zero', async () => {
    const { meter, samples } = scripted([{ memoryBytes: 1024 }]);
    meter.start();
    while (samples.length < 1) await tick(5);
    const usage = await meter.stop();
    expect(Object.keys(usage).sort()).toEqual(['peakMemoryBytes', 'samples', 'wallSeconds']);
  });

  it('keeps counters from going back when a source restarts at zero (a container whose cgroup is gone)', async () => {
    const { meter, samples } = scripted([{ cpuSeconds: 4, readBytes: 100, memoryBytes: 10 }, { cpuSeconds: 0, readBytes: 0, memoryBytes: 0 }]);
    meter.start();
    while (samples.length < 2) await tick(5);
    const usage = await meter.stop();
    expect(usage).toMatchObject({ readBytes: 100, peakMemoryBytes: 10 });
    expect(usage).not.toHaveProperty('cpuUserSeconds');
    expect(samples[1]?.cpuSeconds).toBe(4);
  });

  it('marks the usage partial, and does not throw, when readings fail (a dropped stats connection)', async () => {
    const { meter, samples, reads } = scripted([{ memoryBytes: 5 }, new Error('socket hang up'), new Error('socket hang up')]);
    meter.start();
    while (reads() < 3) await tick(5);
    const usage = await meter.stop();
    expect(samples).toHaveLength(1);
    expect(usage.peakMemoryBytes).toBe(5);
    expect(usage.partial).toMatch(/^[0-9]+ of [0-9]+ usage readings failed \(socket hang up\): the figures are lower bounds$/);
  });

  it('says so when the attempt ended before its first reading, with no figures', async () => {
    const { meter } = scripted([{ memoryBytes: 5 }], 60_000);
    meter.start();
    const usage = await meter.stop();
    expect(usage).toEqual({ samples: 0, partial: 'the attempt ended before its first usage reading' });
  });

  it('takes a final reading when asked, for sources still readable after the end', async () => {
    const { meter } = scripted([{ peakMemoryBytes: 7, cpuSeconds: 2 }], 0);
    meter.start();
    const usage = await meter.stop({ finalRead: true });
    expect(usage).toMatchObject({ peakMemoryBytes: 7, samples: 1 });
  });

  it('takes the final reading from a reader of its own when given one (a source readable only after the end), emitting no event', async () => {
    const events: unknown[] = [];
    const meter = new UsageMeter(async () => null, { intervalMs: 0, emit: (sample) => events.push(sample) }).start();
    const usage = await meter.stop({ finalRead: async () => ({ peakMemoryBytes: 9, cpuUserSeconds: 1, cpuSystemSeconds: 0.5 }) });
    expect(usage).toMatchObject({ peakMemoryBytes: 9, cpuUserSeconds: 1, cpuSystemSeconds: 0.5, samples: 1 });
    expect(usage.partial).toBeUndefined();
    expect(events).toEqual([]);
    const failing = new UsageMeter(async () => null, { intervalMs: 0, emit: () => undefined }).start();
    expect(await failing.stop({ finalRead: async () => Promise.reject(new Error('unreadable')) })).toEqual({ samples: 0, partial: '1 of 1 usage readings failed (unreadable): the figures are lower bounds' });
  });

  it('abandons a reading that hangs, so a stalled source neither holds the end nor piles up readings', async () => {
    let calls = 0;
    const meter = new UsageMeter(
      (signal) => {
        calls += 1;
        return new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('aborted'))));
      },
      { intervalMs: 5, emit: () => undefined, readTimeoutMs: 20 },
    );
    meter.start();
    await tick(60);
    const started = Date.now();
    const usage = await meter.stop();
    expect(Date.now() - started).toBeLessThan(50);
    expect(calls).toBeGreaterThanOrEqual(1);
    expect(calls).toBeLessThanOrEqual(3);
    expect(usage.partial).toMatch(/usage readings failed/);
  });

  it('does not read while the attempt runs when the interval is 0', async () => {
    const { meter, reads } = scripted([{ memoryBytes: 1 }], 0);
    meter.start();
    await tick(30);
    await meter.stop();
    expect(reads()).toBe(0);
  });
});
