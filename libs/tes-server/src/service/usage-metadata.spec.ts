import { usageTotal, withUsageMetadata } from './usage-metadata';

describe('withUsageMetadata', () => {
  it("writes each executor's usage under its index and the task's totals: peaks the highest, CPU and I/O summed", () => {
    const first = withUsageMetadata({ other: 'kept' }, 0, { peakMemoryBytes: 300, cpuUserSeconds: 1.2, cpuSystemSeconds: 0.3, readBytes: 10, samples: 3, cpuPercentMean: 50 });
    const both = withUsageMetadata(first, 1, { peakMemoryBytes: 200, cpuUserSeconds: 2, cpuSystemSeconds: 0, readBytes: 5, samples: 2, partial: 'the stats stream dropped' });
    expect(both).toMatchObject({
      other: 'kept',
      'capstan.usage.executor.0.peak_memory_bytes': '300',
      'capstan.usage.executor.0.cpu_seconds': '1.5',
      'capstan.usage.executor.0.cpu_percent_mean': '50',
      'capstan.usage.executor.1.cpu_seconds': '2',
      'capstan.usage.executor.1.partial': 'the stats stream dropped',
      'capstan.usage.peak_memory_bytes': '300',
      'capstan.usage.cpu_seconds': '3.5',
      'capstan.usage.read_bytes': '15',
      'capstan.usage.samples': '5',
    });
    expect(Object.values(both).every((value) => typeof value === 'string')).toBe(true);
    expect(both).not.toHaveProperty('capstan.usage.cpu_percent_mean');
    expect(usageTotal(both, 'cpu_seconds')).toBe(3.5);
  });

  it('writes nothing a backend did not read (absent is not 0), and no non-finite figure', () => {
    const metadata = withUsageMetadata(undefined, 0, { samples: 0, peakMemoryBytes: Number.NaN });
    expect(metadata).toEqual({ 'capstan.usage.executor.0.samples': '0', 'capstan.usage.samples': '0' });
    expect(usageTotal(metadata, 'peak_memory_bytes')).toBeUndefined();
    expect(usageTotal(metadata, 'cpu_seconds')).toBeUndefined();
  });
});
