import { type BackendEvent } from '@capstan/core-constraints';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApptainerBackend } from './apptainer-backend';
import { detectCgroups } from './cgroups';
import { makeRequest, makeTempDir, removeDir, run, TEST_CACHE_DIR } from './testing/test-kit';

const MIB = 1024 * 1024;
const support = detectCgroups('capstan');
// Root on this machine (cgroup v1, hierarchy writable) can make cgroups; elsewhere these tests say why they skip.
const describeWithCgroups = support.usable ? describe : describe.skip;

describe('cpu and memory limits', () => {
  it('declares limits enforced exactly when this process can make cgroups, and never with cgroups: off', () => {
    const backend = new ApptainerBackend({ cacheDir: TEST_CACHE_DIR });
    expect(backend.capabilities.enforcesMemoryLimit).toBe(support.usable);
    expect(backend.capabilities.enforcesCpuLimit).toBe(support.usable);
    const off = new ApptainerBackend({ cacheDir: TEST_CACHE_DIR, cgroups: 'off' });
    expect(off.capabilities.enforcesMemoryLimit).toBe(false);
    expect(off.capabilities.enforcesCpuLimit).toBe(false);
  });
});

describeWithCgroups(`limits through the attempt's cgroup (${support.description})`, () => {
  let dir: string;
  const backend = new ApptainerBackend({ cacheDir: TEST_CACHE_DIR, graceSeconds: 1 });
  beforeAll(async () => {
    dir = await makeTempDir('limits');
  });
  afterAll(async () => {
    await removeDir(dir);
  });

  /** Runs a command that prints its memory cgroup then waits; reads the cgroup's files from the host meanwhile. */
  async function readCgroupWhileRunning(requirements: Record<string, unknown>, hints: Record<string, unknown> = {}, using = backend): Promise<Record<string, string>> {
    const request = await makeRequest(using, dir, { command: 'grep -E ":memory:|:cpu[,:]" /proc/self/cgroup; echo ready; sleep 2', requirements, hints });
    const seen: Record<string, string> = {};
    let output = '';
    const done = using.execute(request, new AbortController().signal, (event: BackendEvent) => {
      if (event.type !== 'log' || event.stream !== 'stdout') return;
      output += event.text;
      if (!output.includes('ready') || 'memory.limit_in_bytes' in seen) return;
      const paths = Object.fromEntries(output.split('\n').filter((line) => line.includes(':/')).map((line) => [line.split(':')[1] ?? '', line.split(':')[2] ?? '']));
      const memory = join(support.root, 'memory', paths['memory'] ?? '');
      const cpu = join(support.root, 'cpu', paths['cpu'] ?? paths['cpu,cpuacct'] ?? '');
      for (const file of ['memory.limit_in_bytes', 'memory.memsw.limit_in_bytes']) if (existsSync(join(memory, file))) seen[file] = readFileSync(join(memory, file), 'utf8').trim();
      for (const file of ['cpu.shares', 'cpu.cfs_quota_us', 'cpu.cfs_period_us']) seen[file] = readFileSync(join(cpu, file), 'utf8').trim();
      seen['memoryFolder'] = memory;
    });
    const result = await done;
    expect(result.exitCode).toBe(0);
    expect(seen['memoryFolder']).toContain(`/capstan/${request.attemptName}.`);
    // The cgroup is removed when the attempt ends.
    expect(existsSync(seen['memoryFolder'] ?? '/')).toBe(false);
    return seen;
  }

  it('makes the memory request the hard limit (swap included) and the cpu request the shares, without a quota', async () => {
    const seen = await readCgroupWhileRunning({ memory: '96 MiB', cpu: 0.5 });
    expect(seen['memory.limit_in_bytes']).toBe(String(96 * MIB));
    if (seen['memory.memsw.limit_in_bytes'] !== undefined) expect(seen['memory.memsw.limit_in_bytes']).toBe(String(96 * MIB));
    expect(seen['cpu.shares']).toBe('512');
    expect(seen['cpu.cfs_quota_us']).toBe('-1');
  });

  it('takes max_memory as the limit and max_cpu as a hard quota', async () => {
    const seen = await readCgroupWhileRunning({ memory: '64 MiB', cpu: 1 }, { max_memory: '128 MiB', max_cpu: 1.5 });
    expect(seen['memory.limit_in_bytes']).toBe(String(128 * MIB));
    expect(seen['cpu.shares']).toBe('1024');
    expect(seen['cpu.cfs_period_us']).toBe('100000');
    expect(seen['cpu.cfs_quota_us']).toBe('150000');
  });

  it("reports oom from the cgroup's own OOM count when the task outgrows its limit", async () => {
    // dd fills a 150 MB buffer in one read(2): far above the 64 MiB limit, and fast to hit. (A pipeline that grows
    // slowly, such as `head | tail`, can make the kernel thrash the programs' own pages for many seconds before the
    // OOM killer acts: reclaim keeps "succeeding". The limit holds either way.)
    const request = await makeRequest(backend, dir, { command: 'dd if=/dev/zero of=/dev/null bs=150M count=1; echo after', requirements: { memory: '64 MiB' } });
    const { result, stdout } = await run(backend, request);
    expect(result.endReason).toBe('oom');
    expect(result.message).toMatch(/out of memory .*limit 64 MiB, 67108864 bytes/);
    // The shell itself survived (only dd was killed): the exit code is the shell's, the reason still oom.
    expect(stdout).toContain('after');
  });

  it('does not call a plain exit 137 (or a SIGKILL the task sends itself) oom', async () => {
    const request = await makeRequest(backend, dir, { command: 'sleep 60 & kill -9 $!; wait $!; exit 137', requirements: { memory: '64 MiB' } });
    const { result } = await run(backend, request);
    expect(result).toMatchObject({ exitCode: 137, endReason: 'exited' });
  });

  it('raises a limit below what Apptainer itself needs, with a warning', async () => {
    const request = await makeRequest(backend, dir, { command: 'echo ok', requirements: { memory: '8 MiB' } });
    const { result, events, stdout } = await run(backend, request);
    expect(result.endReason).toBe('exited');
    expect(stdout).toBe('ok\n');
    expect(events).toContainEqual({ type: 'warning', message: expect.stringContaining(`raised from ${8 * MIB} to ${32 * MIB} bytes`) });
  });

  it('with memoryLimit: none, leaves a task without max_memory unlimited', async () => {
    const seen = await readCgroupWhileRunning({ memory: '64 MiB' }, {}, new ApptainerBackend({ cacheDir: TEST_CACHE_DIR, memoryLimit: 'none' }));
    expect(Number(seen['memory.limit_in_bytes'])).toBeGreaterThan(2 ** 60);
    const capped = await readCgroupWhileRunning({ memory: '64 MiB' }, { max_memory: '200 MiB' }, new ApptainerBackend({ cacheDir: TEST_CACHE_DIR, memoryLimit: 'none' }));
    expect(capped['memory.limit_in_bytes']).toBe(String(200 * MIB));
  });
});
