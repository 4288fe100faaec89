import { superviseProcessGroup } from '@capstan/process-kit/internal';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ApptainerBackend } from './apptainer-backend';
import { detectCgroups, parentFolders } from './cgroups';
import { launchLine, LAUNCH_FAILED_MARKER, type Spare } from './spare';
import { MAX_SPARE_FAILURES, SparePool } from './spare-pool';
import { bundleWorker } from './testing/bundle-worker';
import { makeRequest, makeTempDir, removeDir, TEST_CACHE_DIR, uniqueId } from './testing/test-kit';

const MIB = 1024 * 1024;
const ENV = { PATH: process.env['PATH'] ?? '/usr/bin:/bin' };
// Spares exist only where this process may make cgroups (root here, cgroup v1); the files read are v1's.
const describeWithCgroups = detectCgroups('capstan').usable && detectCgroups('capstan').version === 1 ? describe : describe.skip;

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return '';
  }
}

async function until(condition: () => boolean | Promise<boolean>, ms = 10_000): Promise<boolean> {
  for (let waited = 0; waited < ms; waited += 50) {
    if (await condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return condition();
}

async function members(folder: string): Promise<number[]> {
  return (await readFile(join(folder, 'cgroup.procs'), 'utf8').catch(() => '')).split('\n').filter((line) => line !== '').map(Number);
}

describe('a spare pool whose spares cannot start', () => {
  it(`gives up after ${MAX_SPARE_FAILURES} failures in a row, keeping the last reason, and hands out none`, async () => {
    // A "hierarchy" whose memory controller is a plain file: every spare fails at making its cgroup.
    const root = await makeTempDir('no-cgroups');
    await writeFile(join(root, 'memory'), '');
    const pool = new SparePool({ usable: true, version: 1, description: 'test', root, parent: 'capstan-nowhere' }, ENV, 4);
    for (let round = 0; round < MAX_SPARE_FAILURES + 2; round += 1) {
      expect(pool.take(1)).toBeUndefined();
      pool.replenish();
      await pool.settled();
    }
    expect(pool.gaveUp).toBe(true);
    expect(pool.lastError?.message).toMatch(/capstan-nowhere/);
    expect(pool.missed).toBe(MAX_SPARE_FAILURES + 2);
    expect(pool.taken).toBe(0);
    await pool.close();
    await removeDir(root);
  });
});

describeWithCgroups('spares: a cgroup with a waiting shell inside, made ahead of the attempt', () => {
  // A parent of their own, so that "nothing left" means exactly this file's spares.
  const support = detectCgroups(uniqueId('capstan-spares'));
  const parents = parentFolders(support);
  let dir: string;
  let worker: { file: string; dir: string };
  const pools: SparePool[] = [];
  const newPool = (max = 1): SparePool => {
    const pool = new SparePool(support, ENV, max);
    pools.push(pool);
    return pool;
  };
  const readyPool = async (max = 1): Promise<SparePool> => {
    const pool = newPool(max);
    pool.take(max);
    pool.replenish();
    await pool.settled();
    return pool;
  };
  const leftInParents = async (): Promise<string[]> => (await Promise.all(parents.map((parent) => readdir(parent, { withFileTypes: true }).catch(() => [])))).flat().filter((entry) => entry.isDirectory()).map((entry) => entry.name);

  beforeAll(async () => {
    dir = await makeTempDir('spares');
    worker = await bundleWorker();
  });
  /** Processes and spares the workers made: ended and removed here too, should a test fail half-way. */
  const strays: Array<{ pid: number; folders: readonly string[] }> = [];
  afterAll(async () => {
    for (const pool of pools) await pool.close();
    // Only if the pid is still ours (a spare's shell or the worker), never a process that got the pid later.
    for (const stray of strays) if (/capstan-spare|worker\.cjs/.test(commandOf(stray.pid))) process.kill(stray.pid, 'SIGKILL');
    for (const folder of strays.flatMap((stray) => stray.folders)) await until(() => rmdir(folder).then(() => true, (error: NodeJS.ErrnoException) => error.code === 'ENOENT'), 3_000);
    await removeDir(dir);
    await removeDir(worker?.dir);
    for (const parent of parents) await rmdir(parent).catch(() => undefined);
  });

  /** Launches a taken spare with `sh -c SCRIPT ARGS` and waits for its end, output to files. */
  async function launch(spare: Spare, script: string, args: string[] = [], env: Record<string, string> = {}, cwd = dir): Promise<{ exitCode: number | null; stdout: string; stderr: string }> {
    const name = uniqueId('out');
    const files = { stdoutFile: join(dir, `${name}.out`), stderrFile: join(dir, `${name}.err`) };
    const line = launchLine('/bin/sh', ['-c', script, 'launched', ...args], cwd, env);
    const outcome = await superviseProcessGroup(() => spare.launch(line), '/bin/sh', { ...files, graceMs: 500 }, new AbortController().signal, () => undefined);
    return { exitCode: outcome.exitCode, stdout: await readFile(files.stdoutFile, 'utf8'), stderr: await readFile(files.stderrFile, 'utf8') };
  }

  it('is inside its own memory and cpu cgroup, without limits, before it is handed a command', async () => {
    const pool = await readyPool();
    const [ready] = pool.spares;
    expect(ready?.folders).toHaveLength(2);
    for (const folder of ready?.folders ?? []) {
      expect(folder).toMatch(new RegExp(`/${support.parent}/capstan-spare\\.${process.pid}\\.[0-9]+\\.[0-9]+$`));
      expect(await members(folder)).toEqual([ready?.pid]);
    }
    const [memory, cpu] = ready?.folders ?? [];
    expect(Number(await readFile(join(memory ?? '', 'memory.limit_in_bytes'), 'utf8'))).toBeGreaterThan(2 ** 60);
    expect((await readFile(join(cpu ?? '', 'cpu.cfs_quota_us'), 'utf8')).trim()).toBe('-1');
    // It waits: it has not gone anywhere after a while.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(running(ready?.pid ?? -1)).toBe(true);
    const spare = pool.take(1);
    expect(spare?.pid).toBe(ready?.pid);
    await spare?.discard();
    expect(running(ready?.pid ?? -1)).toBe(false);
    for (const folder of ready?.folders ?? []) expect(existsSync(folder)).toBe(false);
  });

  it("has the attempt's limits in place before the command's first instruction, in the renamed cgroup, as the same process", async () => {
    const pool = await readyPool();
    const spare = pool.take(1);
    if (spare === undefined) throw new Error('no spare was ready');
    const pid = spare.pid;
    const cgroup = await spare.prepare('attempt-x.1', { memoryBytes: 64 * MIB, cpuRequest: 0.5, cpuLimit: 1.5 });
    expect(cgroup.folders.map((folder) => folder.split('/').pop())).toEqual(['attempt-x.1', 'attempt-x.1']);
    const script = [
      'm=$(grep ":memory:" /proc/self/cgroup | cut -d: -f3); c=$(grep -E ":cpu[,:]" /proc/self/cgroup | cut -d: -f3)',
      'echo "memory $(cat /sys/fs/cgroup/memory$m/memory.limit_in_bytes) shares $(cat /sys/fs/cgroup/cpu$c/cpu.shares) quota $(cat /sys/fs/cgroup/cpu$c/cpu.cfs_quota_us)"',
      'echo "pid $$ in $m"',
    ].join('\n');
    const { exitCode, stdout } = await launch(spare, script);
    expect(exitCode).toBe(0);
    expect(stdout).toBe(`memory ${64 * MIB} shares 512 quota 150000\npid ${pid} in /${support.parent}/attempt-x.1\n`);
    await cgroup.remove();
  });

  it('hands over arguments, variables and the working folder exactly, with stdin empty', async () => {
    const pool = await readyPool();
    const spare = pool.take(1);
    if (spare === undefined) throw new Error('no spare was ready');
    const tricky = `a 'single' "double" $HOME \`id\` $(id) \\ ; | & * ?\nsecond line\n`;
    const cwd = join(dir, "it's here");
    await mkdir(cwd);
    const { exitCode, stdout } = await launch(spare, 'printf "%s|" "$@"; printf "%s|" "$TRICKY" "$PWD" "${OLDPWD-unset}"; read line || echo stdin-empty', [tricky, '', '--'], { TRICKY: tricky }, cwd);
    expect(exitCode).toBe(0);
    expect(stdout).toBe(`${tricky}||--|${tricky}|${cwd}|unset|stdin-empty\n`);
    await spare.cgroup.remove();
  });

  it('says when the command cannot start (missing program or folder), distinctly from the task', async () => {
    const pool = await readyPool(2);
    const [first, second] = [pool.take(2), pool.take(2)];
    if (first === undefined || second === undefined) throw new Error('two spares were not ready');
    const files = (name: string): { stdoutFile: string; stderrFile: string } => ({ stdoutFile: join(dir, `${name}.out`), stderrFile: join(dir, `${name}.err`) });
    const missing = await superviseProcessGroup(() => first.launch(launchLine('/nonexistent/apptainer', ['exec'], dir, {})), 'apptainer', files('missing'), new AbortController().signal, () => undefined);
    expect(missing.exitCode).toBe(125);
    expect(await readFile(files('missing').stderrFile, 'utf8')).toContain(`${LAUNCH_FAILED_MARKER}: /nonexistent/apptainer is not found on PATH`);
    const noFolder = await superviseProcessGroup(() => second.launch(launchLine('/bin/true', [], join(dir, 'gone'), {})), 'true', files('gone'), new AbortController().signal, () => undefined);
    expect(noFolder.exitCode).toBe(125);
    expect(await readFile(files('gone').stderrFile, 'utf8')).toContain(`${LAUNCH_FAILED_MARKER}: cannot enter ${join(dir, 'gone')}`);
    await Promise.all([first.cgroup.remove(), second.cgroup.remove()]);
  });

  it('grows with the attempts wanting one at once, up to its maximum, and leaves nothing after close', async () => {
    const pool = newPool(3);
    expect(pool.take(5)).toBeUndefined();
    pool.replenish();
    await pool.settled();
    const spares = pool.spares;
    expect(spares).toHaveLength(3);
    expect(new Set(spares.map((spare) => spare.pid)).size).toBe(3);
    await pool.close();
    for (const spare of spares) {
      expect(running(spare.pid)).toBe(false);
      for (const folder of spare.folders) expect(existsSync(folder)).toBe(false);
    }
    pool.replenish();
    await pool.settled();
    expect(pool.spares).toEqual([]);
  });

  it('never puts two spares in one cgroup, also when several pools (backends) of this process share the parent', async () => {
    const [first, second] = await Promise.all([readyPool(2), readyPool(2)]);
    const spares = [...(first?.spares ?? []), ...(second?.spares ?? [])];
    expect(spares).toHaveLength(4);
    expect(new Set(spares.map((spare) => spare.folders[0])).size).toBe(4);
    for (const spare of spares) for (const folder of spare.folders) expect(await members(folder)).toEqual([spare.pid]);
    await Promise.all([first?.close(), second?.close()]);
  });

  it('drops a spare that dies while waiting, and removes its cgroup', async () => {
    const pool = await readyPool();
    const [ready] = pool.spares;
    process.kill(ready?.pid ?? -1, 'SIGKILL');
    expect(await until(() => pool.readyCount === 0 && (ready?.folders ?? []).every((folder) => !existsSync(folder)))).toBe(true);
    expect(pool.take(1)).toBeUndefined();
  });

  describe('when the process that made them ends', () => {
    async function holder(): Promise<{ owner: ReturnType<typeof spawn>; pid: number; spares: Array<{ pid: number; folders: string[] }> }> {
      const owner = spawn(process.execPath, [worker.file, JSON.stringify({ kind: 'spares', cgroupParent: support.parent, count: 2 })], { stdio: ['pipe', 'pipe', 'inherit'] });
      const line = await new Promise<string>((resolve) => {
        let text = '';
        owner.stdout?.on('data', (chunk: Buffer) => {
          text += chunk.toString('utf8');
          if (text.includes('\n')) resolve(text.split('\n')[0] ?? '');
        });
        owner.once('exit', () => resolve(text));
      });
      const report = JSON.parse(line) as { pid: number; spares: Array<{ pid: number; folders: string[] }> };
      strays.push({ pid: report.pid, folders: [] }, ...report.spares);
      expect(report.spares).toHaveLength(2);
      return { owner, ...report };
    }
    const killed = async (owner: ReturnType<typeof spawn>): Promise<void> => {
      const ended = new Promise((resolve) => owner.once('exit', resolve));
      owner.kill('SIGKILL');
      await ended;
    };

    it('exiting normally kills them and removes their cgroups, even spares that could not clean up themselves', async () => {
      const { owner, spares } = await holder();
      // Stopped, they cannot see their stdin close: only the owner's exit hook can end them.
      for (const spare of spares) process.kill(spare.pid, 'SIGSTOP');
      const ended = new Promise<number | null>((resolve) => owner.once('exit', resolve));
      owner.stdin?.end();
      expect(await ended).toBe(0);
      expect(await until(() => spares.every((spare) => !running(spare.pid)))).toBe(true);
      for (const spare of spares) for (const folder of spare.folders) expect(existsSync(folder)).toBe(false);
      expect(await leftInParents()).toEqual([]);
    });

    it('a worker that ran attempts leaves neither its spares nor their cgroups when it exits', async () => {
      const request = await makeRequest(new ApptainerBackend({ cacheDir: TEST_CACHE_DIR }), dir, { command: 'true' });
      const owner = spawn(process.execPath, [worker.file, JSON.stringify({ kind: 'execute', options: { cacheDir: join(dir, 'cache'), cgroupParent: support.parent }, request, reportSpares: true, times: 2 })], { stdio: ['ignore', 'pipe', 'inherit'] });
      let text = '';
      owner.stdout?.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      await new Promise((resolve) => owner.once('exit', resolve));
      const report = JSON.parse(text) as { result: { exitCode: number }; spares: Array<{ pid: number; folders: string[] }> };
      strays.push(...report.spares);
      expect(report.result.exitCode).toBe(0);
      expect(report.spares.length).toBeGreaterThan(0);
      // Killed before the worker exited; reaped by init just after (a zombie still answers kill 0).
      expect(await until(() => report.spares.every((spare) => !running(spare.pid)))).toBe(true);
      for (const spare of report.spares) for (const folder of spare.folders) expect(existsSync(folder)).toBe(false);
      expect(await leftInParents()).toEqual([]);
    });

    it('killed (SIGKILL), they see their stdin close, leave their cgroups and remove them', async () => {
      const { owner, spares } = await holder();
      await killed(owner);
      expect(await until(() => spares.every((spare) => !running(spare.pid) && spare.folders.every((folder) => !existsSync(folder))))).toBe(true);
      expect(await leftInParents()).toEqual([]);
    });

    it("killed with its spares unable to clean up, the orphan cleanup (listManaged) removes them, and only them", async () => {
      const { owner, spares } = await holder();
      // Stopped, they cannot see their stdin close: as if they were stuck.
      for (const spare of spares) process.kill(spare.pid, 'SIGSTOP');
      await killed(owner);
      // Ours are alive and must stay; so must a spare-named cgroup of a dead owner that holds something else (an attempt).
      const own = await readyPool();
      const [mine] = own.spares;
      const attemptLike = `capstan-spare.${process.pid}.1.99`;
      const attemptFolders = parents.map((parent) => join(parent, attemptLike));
      for (const folder of attemptFolders) await mkdir(folder);
      const sleeper = spawn('/bin/sh', ['-c', `for f; do echo $$ > "$f/cgroup.procs"; done; exec sleep 60`, 'x', ...attemptFolders], { stdio: 'ignore' });
      try {
        expect(await until(async () => (await members(attemptFolders[0] ?? '')).length === 1)).toBe(true);
        const backend = new ApptainerBackend({ cacheDir: join(dir, 'cache'), cgroupParent: support.parent });
        expect(await backend.listManaged({ 'io.capstan.managed': 'true' })).toEqual([]);
        for (const spare of spares) {
          expect(await until(() => !running(spare.pid))).toBe(true);
          for (const folder of spare.folders) expect(existsSync(folder)).toBe(false);
        }
        expect(running(mine?.pid ?? -1)).toBe(true);
        for (const folder of mine?.folders ?? []) expect(existsSync(folder)).toBe(true);
        expect(running(sleeper.pid ?? -1)).toBe(true);
        for (const folder of attemptFolders) expect(existsSync(folder)).toBe(true);
      } finally {
        sleeper.kill('SIGKILL');
        await until(async () => (await members(attemptFolders[0] ?? '')).length === 0);
        for (const folder of attemptFolders) await rmdir(folder).catch(() => undefined);
        for (const spare of spares.filter((one) => running(one.pid))) process.kill(spare.pid, 'SIGKILL');
      }
    });
  });
});
