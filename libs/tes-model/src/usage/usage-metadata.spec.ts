import { usageFromMetadata, usageTotal, withUsageMetadata } from './usage-metadata';

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

describe('usageFromMetadata', () => {
  it("reads back the task's totals a Capstan server wrote, its mean CPU % made from CPU and wall seconds", () => {
    const first = withUsageMetadata({ host: 'w1' }, 0, { peakMemoryBytes: 300, cpuUserSeconds: 1.5, cpuSystemSeconds: 0.5, cpuPercentPeak: 90, readBytes: 10, writtenBytes: 4, wallSeconds: 4, samples: 3 });
    const both = withUsageMetadata(first, 1, { peakMemoryBytes: 200, cpuUserSeconds: 1, samples: 2, wallSeconds: 2, partial: 'the stats stream dropped' });
    expect(usageFromMetadata(both)).toEqual({
      peakMemoryBytes: 300,
      cpuUserSeconds: 2.5,
      cpuSystemSeconds: 0.5,
      cpuPercentMean: 50,
      cpuPercentPeak: 90,
      readBytes: 10,
      writtenBytes: 4,
      wallSeconds: 6,
      samples: 5,
      partial: 'the stats stream dropped',
    });
  });

  it('is undefined for the metadata of any other TES server', () => {
    expect(usageFromMetadata(undefined)).toBeUndefined();
    expect(usageFromMetadata({ host: 'worker-001', slurm_id: '123456' })).toBeUndefined();
  });

  it('hostile: leaves out every figure that is not a plain non-negative number, and strips control characters from why it is partial', () => {
    const usage = usageFromMetadata({
      'capstan.usage.peak_memory_bytes': '-5',
      'capstan.usage.cpu_seconds': 'NaN',
      'capstan.usage.read_bytes': '1e400',
      'capstan.usage.written_bytes': '99999999999999999999',
      'capstan.usage.wall_seconds': 'Infinity',
      'capstan.usage.samples': '0x10',
      'capstan.usage.executor.0.partial': '\u001b]52;c;aGk=\u0007gone',
    });
    expect(usage).toEqual({ samples: 0, partial: ' ]52;c;aGk= gone' });
  });
});
