import { readFile } from 'node:fs/promises';
import { DockerBackend } from './docker-backend';
import { DockerTestRun } from './testing/docker-test-kit';

jest.setTimeout(60_000);

const MIB = 1024 * 1024;
/** Holds ~100 MB in a shell variable: well past a 32 MiB limit. */
const ALLOCATE_100_MB = 'x=$(head -c 100000000 /dev/zero | tr "\\0" a); echo "held ${#x} bytes"';
/** Prints the container's own cgroup limits, v1 or v2, as `key value` lines. */
const PRINT_CGROUP_LIMITS = [
  'if [ -f /sys/fs/cgroup/cpu.max ]; then',
  '  echo "memory $(cat /sys/fs/cgroup/memory.max)"; echo "cpu $(cat /sys/fs/cgroup/cpu.max)"; echo "pids $(cat /sys/fs/cgroup/pids.max)"',
  'else',
  '  echo "memory $(cat /sys/fs/cgroup/memory/memory.limit_in_bytes)"',
  '  echo "memsw $(cat /sys/fs/cgroup/memory/memory.memsw.limit_in_bytes 2>/dev/null || echo none)"',
  '  echo "reservation $(cat /sys/fs/cgroup/memory/memory.soft_limit_in_bytes)"',
  '  echo "cpu $(cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us) $(cat /sys/fs/cgroup/cpu/cpu.cfs_period_us)"',
  '  echo "shares $(cat /sys/fs/cgroup/cpu/cpu.shares)"',
  '  echo "pids $(cat /sys/fs/cgroup/pids/pids.max)"',
  'fi',
].join('\n');

function limits(text: string): Record<string, string> {
  return Object.fromEntries(text.trim().split('\n').map((line) => [line.slice(0, line.indexOf(' ')), line.slice(line.indexOf(' ') + 1)]));
}

describe('DockerBackend limits (real daemon, real cgroups)', () => {
  const run = new DockerTestRun();
  const backend = new DockerBackend({ graceSeconds: 1 });
  beforeEach(() => run.setUp());
  afterEach(() => run.tearDown());
  afterAll(async () => expect(await run.leftovers(backend)).toEqual([]));

  it('ends a task that exceeds max_memory with reason oom, from the daemon’s OOMKilled', async () => {
    const request = await run.request(backend, { command: ALLOCATE_100_MB, requirements: { memory: '16 MiB' }, hints: { max_memory: '32 MiB' } });
    const { result } = await run.execute(backend, request);
    expect(result.endReason).toBe('oom');
    expect(result.message).toContain('limit 32 MiB');
    expect(await readFile(request.paths.stdoutFile, 'utf8')).not.toContain('held');
  });

  it('makes the memory request the hard limit when no max_memory is given (memoryLimit: request)', async () => {
    const request = await run.request(backend, { command: ALLOCATE_100_MB, requirements: { memory: '32 MiB' } });
    expect((await run.execute(backend, request)).result.endReason).toBe('oom');
  });

  it('leaves the request unenforced with memoryLimit: none', async () => {
    const unlimited = new DockerBackend({ memoryLimit: 'none' });
    const request = await run.request(unlimited, { command: ALLOCATE_100_MB, requirements: { memory: '32 MiB' } });
    const { result } = await run.execute(unlimited, request);
    expect(result).toMatchObject({ exitCode: 0, endReason: 'exited' });
    expect(await readFile(request.paths.stdoutFile, 'utf8')).toBe('held 100000000 bytes\n');
  });

  it('shows the limits in the container’s cgroups: memory, no extra swap, cpu quota and shares, pids', async () => {
    const request = await run.request(backend, { command: PRINT_CGROUP_LIMITS, requirements: { memory: '48 MiB', cpu: 0.5 }, hints: { max_memory: '64 MiB', max_cpu: 1.5 } });
    const { result } = await run.execute(backend, request);
    expect(result.exitCode).toBe(0);
    const seen = limits(await readFile(request.paths.stdoutFile, 'utf8'));
    expect(seen['memory']).toBe(String(64 * MIB));
    expect(seen['pids']).toBe('4096');
    if (seen['shares'] !== undefined) {
      // cgroup v1
      expect(seen['cpu']).toBe('150000 100000');
      expect(seen['shares']).toBe('512');
      expect(seen['reservation']).toBe(String(48 * MIB));
      if (seen['memsw'] !== 'none') expect(seen['memsw']).toBe(String(64 * MIB));
    } else {
      expect(seen['cpu']).toBe('150000 100000');
    }
  });

  it('leaves cpu unlimited without max_cpu, and pids unlimited with pidsLimit null', async () => {
    const open = new DockerBackend({ pidsLimit: null });
    const request = await run.request(open, { command: PRINT_CGROUP_LIMITS, requirements: { memory: '64 MiB' } });
    await run.execute(open, request);
    const seen = limits(await readFile(request.paths.stdoutFile, 'utf8'));
    expect(seen['cpu']).toMatch(/^(-1 100000|max 100000)$/);
    expect(seen['pids']).toBe('max');
  });
});
