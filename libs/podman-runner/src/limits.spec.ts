import { readFile } from 'node:fs/promises';
import { PodmanBackend } from './podman-backend';
import { PodmanTestRun, ROOTFUL_SOCKET } from './testing/podman-test-kit';

jest.setTimeout(60_000);

const MIB = 1024 * 1024;
/** Holds ~100 MB in a shell variable: well past a 32 MiB limit. */
const ALLOCATE_100_MB = 'x=$(head -c 100000000 /dev/zero | tr "\\0" a); echo "held ${#x} bytes"';
const PRINT_LIMITS = [
  'if [ -f /sys/fs/cgroup/cpu.max ]; then',
  '  echo "memory $(cat /sys/fs/cgroup/memory.max)"; echo "cpu $(cat /sys/fs/cgroup/cpu.max)"; echo "pids $(cat /sys/fs/cgroup/pids.max)"',
  'else',
  '  echo "memory $(cat /sys/fs/cgroup/memory/memory.limit_in_bytes)"',
  '  echo "cpu $(cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us) $(cat /sys/fs/cgroup/cpu/cpu.cfs_period_us)"',
  '  echo "pids $(cat /sys/fs/cgroup/pids/pids.max)"',
  'fi',
  'echo "nofile $(ulimit -n)"',
].join('\n');

function limits(text: string): Record<string, string> {
  return Object.fromEntries(text.trim().split('\n').map((line) => [line.slice(0, line.indexOf(' ')), line.slice(line.indexOf(' ') + 1)]));
}

describe('PodmanBackend limits (real rootful service, real cgroups)', () => {
  const run = new PodmanTestRun();
  const backend = new PodmanBackend({ socketPath: ROOTFUL_SOCKET, graceSeconds: 1 });
  beforeEach(() => run.setUp());
  afterEach(() => run.tearDown());
  afterAll(async () => expect(await run.leftovers(backend)).toEqual([]));

  it('ends a task that exceeds max_memory with reason oom, from the service’s OOMKilled (never from exit 137)', async () => {
    const request = await run.request(backend, { command: ALLOCATE_100_MB, requirements: { memory: '16 MiB' }, hints: { max_memory: '32 MiB' } });
    const { result, events } = await run.execute(backend, request);
    expect(result.endReason).toBe('oom');
    expect(result.message).toContain('limit 32 MiB');
    expect(events.filter((event) => event.type === 'warning')).toEqual([]);
    expect(await readFile(request.paths.stdoutFile, 'utf8')).not.toContain('held');
  });

  it('makes the memory request the hard limit when no max_memory is given, and none with memoryLimit: none', async () => {
    const request = await run.request(backend, { command: ALLOCATE_100_MB, requirements: { memory: '32 MiB' } });
    expect((await run.execute(backend, request)).result.endReason).toBe('oom');
    const unlimited = new PodmanBackend({ socketPath: ROOTFUL_SOCKET, memoryLimit: 'none' });
    const free = await run.request(unlimited, { command: ALLOCATE_100_MB, requirements: { memory: '32 MiB' } });
    expect((await run.execute(unlimited, free)).result).toMatchObject({ exitCode: 0, endReason: 'exited' });
  });

  it('sets the memory limit, the cpu quota and the pids limit of the options, not Podman’s own default of 2048', async () => {
    const request = await run.request(backend, { command: PRINT_LIMITS, requirements: { memory: '48 MiB', cpu: 0.5 }, hints: { max_memory: '64 MiB', max_cpu: 1.5 } });
    expect((await run.execute(backend, request)).result.exitCode).toBe(0);
    const seen = limits(await readFile(request.paths.stdoutFile, 'utf8'));
    expect(seen['memory']).toBe(String(64 * MIB));
    expect(seen['cpu']).toBe('150000 100000');
    expect(seen['pids']).toBe('4096');
    // containers.conf's default_ulimits (tools/engines/podman.sh): the host's hard RLIMIT_NOFILE is below Podman's default
    expect(seen['nofile']).toBe('1024');
  });

  it('leaves pids unlimited with pidsLimit null', async () => {
    const open = new PodmanBackend({ socketPath: ROOTFUL_SOCKET, pidsLimit: null });
    const request = await run.request(open, { command: PRINT_LIMITS });
    await run.execute(open, request);
    expect(limits(await readFile(request.paths.stdoutFile, 'utf8'))['pids']).toBe('max');
  });
});
