import { buildCli, capstan, taskFolder } from './testing/cli-harness';

const IMAGE = 'capstan-test/busybox:1';
const MIB = 1024 * 1024;

interface UsageEvent {
  type: string;
  event?: { type: string; memoryBytes?: number; elapsedSeconds?: number };
  results?: Array<{ attempts: Array<{ usage?: { peakMemoryBytes?: number; samples: number } }> }>;
}

describe('resource usage in capstan run (the built CLI against the real Docker daemon)', () => {
  jest.setTimeout(120_000);
  beforeAll(buildCli, 60_000);
  const { dir: folder, taskFile } = taskFolder('usage-cli-');

  const holds200MiB = 'dd if=/dev/zero bs=200M count=1 2>/dev/null | sleep 3';

  it('prints usage readings as events with --json, and the usage in each attempt of the summary', async () => {
    const file = await taskFile('hold', { command: holds200MiB, requirements: { container: IMAGE, memory: '1 GiB' }, hints: { shell: 'sh' } });
    const result = await capstan(['run', file, '--backend', 'docker', '--work-root', folder(), '--json', '--usage-interval', '0.5']);
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split('\n').map((line) => JSON.parse(line) as UsageEvent);
    const readings = lines.filter((line) => line.type === 'backend' && line.event?.type === 'usage');
    expect(readings.length).toBeGreaterThanOrEqual(2);
    expect(readings[0]?.event?.elapsedSeconds).toBeGreaterThan(0);
    const usage = lines[lines.length - 1]?.results?.[0]?.attempts[0]?.usage;
    expect(usage?.peakMemoryBytes).toBeGreaterThanOrEqual(200 * MIB);
    expect(usage?.peakMemoryBytes).toBeLessThanOrEqual(260 * MIB);
  });

  it('shows the usage in the summary, with a right-sizing line for a request far above the peak and one for an oom end', async () => {
    const roomy = await taskFile('roomy', { command: holds200MiB, requirements: { container: IMAGE, memory: '2 GiB' }, hints: { shell: 'sh' } });
    const tight = await taskFile('tight', { command: 'x=a; while true; do x="$x$x"; done', requirements: { container: IMAGE, memory: '32 MiB' }, hints: { shell: 'sh' } });
    const result = await capstan(['run', roomy, tight, '--backend', 'docker', '--work-root', folder(), '--usage-interval', '0.5']);
    expect(result.code).not.toBe(0);
    expect(result.stdout).toMatch(/\nUsage \(last attempt\):\n {2}roomy {2}peak 2[0-5][0-9](\.[0-9])? MiB, CPU [0-9.]+ s/);
    expect(result.stdout).toMatch(/ {2}roomy: peak 2[0-5][0-9](\.[0-9])? MiB of 2 GiB requested: memory could be lowered\n/);
    expect(result.stdout).toMatch(/ {2}tight: out of memory at 32 MiB( \(peak read [0-9.]+ [KM]iB\))?: raise memory, or set the memory_retry_multiplier hint\n/);
  });

  it('refuses an interval below the floor as a usage error naming the flag, the value and the bounds', async () => {
    const file = await taskFile('any', { command: 'true', requirements: { container: IMAGE } });
    const result = await capstan(['run', file, '--backend', 'docker', '--work-root', folder(), '--usage-interval', '0.05']);
    expect(result.code).toBe(64);
    expect(result.stderr).toMatch(/usage-interval|usageIntervalSeconds/);
    expect(result.stderr).toContain('0.05');
    expect(result.stderr).toContain('at least 0.2 s');
  });
});
