import { cgroupReading, count, keyed } from './cgroup-usage';

describe('cgroup usage files', () => {
  it('hostile: a negative, split, huge or empty count, or a key line of another shape, gives no figure, never 0', () => {
    expect(count('-5\n')).toBeUndefined();
    expect(count('12 13\n')).toBeUndefined();
    expect(count('99999999999999999999\n')).toBeUndefined();
    expect(count('')).toBeUndefined();
    expect(count('0\n')).toBe(0);
    expect(keyed('user 4\nsystem x\n')).toBeUndefined();
    expect(keyed('user 4\nsystem 3\n')).toEqual(new Map([['user', 4], ['system', 3]]));
  });

  it('reads the files it is given, v1 by controller, and is null when none gives a figure', async () => {
    const files: Record<string, string> = { 'memory/memory.max_usage_in_bytes': '100\n', 'cpuacct/cpuacct.stat': 'user 50\nsystem 25\n' };
    expect(await cgroupReading(1, async (controller, name) => files[`${controller}/${name}`])).toEqual({ peakMemoryBytes: 100, cpuUserSeconds: 0.5, cpuSystemSeconds: 0.25 });
    expect(await cgroupReading(2, async () => 'garbage')).toBeNull();
  });
});
