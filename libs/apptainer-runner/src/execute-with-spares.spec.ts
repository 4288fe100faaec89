import { type BackendEvent } from '@capstan/core-constraints';
import { existsSync, readFileSync } from 'node:fs';
import { readdir, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ApptainerBackend } from './apptainer-backend';
import { detectCgroups, parentFolders } from './cgroups';
import { type SparePool } from './spare-pool';
import { makeRequest, makeTempDir, processesInGroup, removeDir, run, uniqueId } from './testing/test-kit';

const MIB = 1024 * 1024;
const describeWithCgroups = detectCgroups('capstan').usable && detectCgroups('capstan').version === 1 ? describe : describe.skip;

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describeWithCgroups('attempts started from spares (real apptainer)', () => {
  // Their own cgroup parent, so that "nothing left" means exactly this file's cgroups.
  const parent = uniqueId('capstan-spare-attempts');
  const support = detectCgroups(parent);
  let dir: string;
  let backend: ApptainerBackend;
  beforeAll(async () => {
    dir = await makeTempDir('spare-attempts');
    backend = new ApptainerBackend({ cacheDir: join(dir, 'cache'), cgroupParent: parent, graceSeconds: 1 });
  });
  afterAll(async () => {
    await backend.close();
    await removeDir(dir);
    for (const folder of parentFolders(support)) await rmdir(folder).catch(() => undefined);
  });

  /** The spare the next attempt will take (the pool hands them out oldest first), once the pool has one ready. */
  async function nextSpare(): Promise<{ pid: number; folders: readonly string[] }> {
    if (backend.sparePool === undefined) await run(backend, await makeRequest(backend, dir, { command: 'true' }));
    const pool = backend.sparePool as SparePool;
    pool.replenish();
    await pool.settled();
    const [spare] = pool.spares;
    if (spare === undefined) throw new Error(`no spare is ready: ${pool.lastError?.message ?? 'no error recorded'}`);
    return spare;
  }

  it('a lone first attempt starts no spare (a single task pays for no shell and cgroup); the second does', async () => {
    const fresh = new ApptainerBackend({ cacheDir: join(dir, 'cache'), cgroupParent: parent, graceSeconds: 1 });
    try {
      const first = await run(fresh, await makeRequest(fresh, dir, { command: 'true' }));
      expect(first.result.exitCode).toBe(0);
      await new Promise((resolveTick) => setImmediate(resolveTick));
      await fresh.sparePool?.settled();
      expect(fresh.sparePool?.missed).toBe(1);
      expect(fresh.sparePool?.readyCount).toBe(0);
      const second = await run(fresh, await makeRequest(fresh, dir, { command: 'true' }));
      expect(second.result.exitCode).toBe(0);
      await new Promise((resolveTick) => setImmediate(resolveTick));
      await fresh.sparePool?.settled();
      expect(fresh.sparePool?.readyCount).toBe(1);
    } finally {
      await fresh.close();
    }
  });

  it("runs the attempt as the spare's process, in the spare's cgroup renamed for the attempt, with the attempt's limits", async () => {
    const spare = await nextSpare();
    const request = await makeRequest(backend, dir, {
      command: 'grep -E ":memory:" /proc/self/cgroup | cut -d: -f3; sleep 1',
      requirements: { memory: '96 MiB', cpu: 0.5 },
    });
    let recordedAs: Promise<string | undefined> | undefined;
    let limit: string | undefined;
    const events: BackendEvent[] = [];
    const result = await backend.execute(request, new AbortController().signal, (event) => {
      events.push(event);
      if (event.type !== 'log' || recordedAs !== undefined) return;
      // The task runs: read its cgroup's limit from the host, and its running-attempt record.
      limit = readFileSync(join(parentFolders(support)[0] ?? '', `${request.attemptName}.${process.pid}`, 'memory.limit_in_bytes'), 'utf8').trim();
      recordedAs = backend.listManaged({}).then((found) => found.find((resource) => resource.name === request.attemptName)?.id);
    });
    expect(result).toMatchObject({ exitCode: 0, endReason: 'exited' });
    expect(limit).toBe(String(96 * MIB));
    // The running-attempt record names the spare's pid: the spare became the attempt.
    expect(await recordedAs).toBe(String(spare.pid));
    const stdout = events.map((event) => (event.type === 'log' && event.stream === 'stdout' ? event.text : '')).join('');
    expect(stdout.split('\n')[0]).toBe(`/${parent}/${request.attemptName}.${process.pid}`);
    // The spare, its cgroup and the attempt's are gone; the pool has made the next spare meanwhile.
    expect(running(spare.pid)).toBe(false);
    for (const folder of spare.folders) expect(existsSync(folder)).toBe(false);
    for (const folder of parentFolders(support)) expect(existsSync(join(folder, `${request.attemptName}.${process.pid}`))).toBe(false);
    await backend.sparePool?.settled();
    expect(backend.sparePool?.spares.map((one) => one.pid)).not.toContain(spare.pid);
    expect(backend.sparePool?.readyCount).toBeGreaterThan(0);
  });

  it('stops a spare-started attempt at its timeout, with nothing of its process group left', async () => {
    const spare = await nextSpare();
    const request = await makeRequest(backend, dir, { command: 'sleep 60', timeoutMs: 1_500 });
    const { result } = await run(backend, request);
    expect(result.endReason).toBe('timeout');
    expect(processesInGroup(spare.pid)).toEqual([]);
    for (const folder of spare.folders) expect(existsSync(folder)).toBe(false);
  });

  it('cancels a spare-started attempt', async () => {
    const spare = await nextSpare();
    const request = await makeRequest(backend, dir, { command: 'echo begun; sleep 60' });
    const controller = new AbortController();
    const result = await backend.execute(request, controller.signal, (event) => {
      if (event.type === 'log' && event.text.includes('begun')) controller.abort();
    });
    expect(result.endReason).toBe('canceled');
    expect(processesInGroup(spare.pid)).toEqual([]);
  });

  it("reports oom from the spare's cgroup once the attempt outgrows the limit written into it", async () => {
    const spare = await nextSpare();
    const request = await makeRequest(backend, dir, { command: 'dd if=/dev/zero of=/dev/null bs=150M count=1; echo after', requirements: { memory: '64 MiB' } });
    const { result, stdout } = await run(backend, request);
    expect(result.endReason).toBe('oom');
    expect(result.message).toMatch(/limit 64 MiB, 67108864 bytes/);
    expect(stdout).toContain('after');
    expect(running(spare.pid)).toBe(false);
  });

  it('keeps more spares when several attempts start at once', async () => {
    await nextSpare();
    const requests = await Promise.all([1, 2, 3].map(() => makeRequest(backend, dir, { command: 'sleep 1', requirements: { memory: '64 MiB', cpu: 0.1 } })));
    const results = await Promise.all(requests.map((request) => run(backend, request)));
    expect(results.map(({ result }) => result.exitCode)).toEqual([0, 0, 0]);
    await backend.sparePool?.settled();
    expect(backend.sparePool?.readyCount).toBe(3);
    expect((await readdir(parentFolders(support)[0] ?? '')).filter((name) => name.startsWith('capstan-spare.'))).toHaveLength(3);
  });

  it('closes: no spare process and no cgroup is left, and a later attempt still runs', async () => {
    const spare = await nextSpare();
    const all = backend.sparePool?.spares ?? [];
    await backend.close();
    expect(backend.sparePool).toBeUndefined();
    for (const one of all) {
      expect(running(one.pid)).toBe(false);
      for (const folder of one.folders) expect(existsSync(folder)).toBe(false);
    }
    expect(running(spare.pid)).toBe(false);
    for (const folder of parentFolders(support)) expect((await readdir(folder, { withFileTypes: true })).filter((entry) => entry.isDirectory())).toEqual([]);
    const { result } = await run(backend, await makeRequest(backend, dir, { command: 'echo again', requirements: { memory: 64 * MIB } }));
    expect(result.exitCode).toBe(0);
  });

  it('makes no spares with spares: 0 or cgroups: off', async () => {
    for (const options of [{ spares: 0 }, { cgroups: 'off' as const }]) {
      const other = new ApptainerBackend({ cacheDir: join(dir, 'cache'), cgroupParent: parent, ...options });
      const { result } = await run(other, await makeRequest(other, dir, { command: 'true' }));
      expect(result.exitCode).toBe(0);
      expect(other.sparePool).toBeUndefined();
    }
  });
});
