import { execFile, execFileSync } from 'node:child_process';
import { chown, mkdir, readdir, readFile, rmdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ApptainerBackend } from './apptainer-backend';
import { detectCgroups } from './cgroups';
import { type ExecuteJob } from './testing/worker';
import { bundleWorker } from './testing/bundle-worker';
import { localRegistry, makeRequest, makeTempDir, removeDir, tagInRegistry, TEST_USER, uniqueId } from './testing/test-kit';

function userIds(name: string): { uid: number; gid: number; home: string } | null {
  try {
    const [uid, gid, home] = execFileSync('getent', ['passwd', name], { encoding: 'utf8' }).trim().split(':').slice(2).filter((_, index) => index !== 2);
    return { uid: Number(uid), gid: Number(gid), home: home ?? '/' };
  } catch {
    return null;
  }
}

const user = userIds(TEST_USER);
const asRoot = process.getuid?.() === 0;
// tools/engines/test-user.sh makes the user; switching to it needs root.
const describeAsUser = user !== null && asRoot ? describe : describe.skip;

interface WorkerReport {
  readonly uid: number;
  readonly capabilities: ApptainerBackend['capabilities'];
  readonly cgroups: ApptainerBackend['cgroups'];
  readonly privileges: ApptainerBackend['privileges'];
  readonly result: { exitCode: number | null; endReason: string };
  readonly error?: string;
}

describeAsUser(`as the ordinary user ${TEST_USER} (Apptainer in user-namespace mode)`, () => {
  const ids = user ?? { uid: -1, gid: -1, home: '/' };
  const registry = localRegistry();
  let dir: string;
  let worker: { file: string; dir: string };
  beforeAll(async () => {
    dir = await makeTempDir('user');
    await chown(dir, ids.uid, ids.gid);
    worker = await bundleWorker();
  });
  afterAll(async () => {
    await removeDir(dir);
    await removeDir(worker?.dir);
  });

  /** Runs the backend in a node process of the user (setpriv: its uid, gid and groups; its own HOME). */
  async function runAsUser(job: ExecuteJob): Promise<WorkerReport> {
    execFileSync('chown', ['-R', `${ids.uid}:${ids.gid}`, dir]);
    const { stdout } = await promisify(execFile)('setpriv', [`--reuid=${ids.uid}`, `--regid=${ids.gid}`, '--init-groups', process.execPath, worker.file, JSON.stringify(job)], {
      encoding: 'utf8',
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: ids.home, USER: TEST_USER, LOGNAME: TEST_USER },
      cwd: dir,
      timeout: 60_000,
    }).catch((error: { stdout?: string; message: string }) => ({ stdout: error.stdout ?? JSON.stringify({ error: error.message }) }));
    return JSON.parse(stdout) as WorkerReport;
  }

  it("runs the task as the user: outputs are the user's, inputs stay read-only, limits are declared not enforced", async () => {
    const backend = new ApptainerBackend();
    const input = join(dir, 'in.txt');
    await writeFile(input, 'data\n');
    const request = await makeRequest(backend, dir, {
      command: 'id -u > whoami; cat /mnt/task/inputs/in.txt > copy; echo more >> /mnt/task/inputs/in.txt || echo read-only; mkdir d; touch d/f',
      inputs: [{ hostPath: input, guestPath: '/mnt/task/inputs/in.txt', type: 'file' }],
      requirements: { memory: '64 MiB' },
    });
    const report = await runAsUser({ kind: 'execute', options: { cacheDir: join(dir, 'cache') }, request });
    expect(report.error).toBeUndefined();
    expect(report.uid).toBe(ids.uid);
    expect(report.result).toMatchObject({ exitCode: 0, endReason: 'exited' });
    expect(report.privileges.root).toBe(false);
    // cgroup v1 cannot be delegated to the user here (and Apptainer's own rootless limits need cgroup v2 with systemd).
    expect(report.cgroups.usable).toBe(false);
    expect(report.capabilities).toMatchObject({ enforcesMemoryLimit: false, enforcesCpuLimit: false, runsAsInvokingUser: true, readOnlyInputs: true });
    const work = request.paths.workDir;
    expect(await readFile(join(work, 'whoami'), 'utf8')).toBe(`${ids.uid}\n`);
    expect(await readFile(join(work, 'copy'), 'utf8')).toBe('data\n');
    expect(await readFile(request.paths.stdoutFile, 'utf8')).toBe('read-only\n');
    expect(await readFile(input, 'utf8')).toBe('data\n');
    for (const file of ['whoami', 'copy', 'd', 'd/f']) {
      const info = await stat(join(work, file));
      expect([file, info.uid, info.gid]).toEqual([file, ids.uid, ids.gid]);
    }
  });

  it('converts a docker:// image into its own cache as the user, with credentials', async () => {
    const backend = new ApptainerBackend();
    const reference = await tagInRegistry(registry, 'capstan/busybox', '1', uniqueId('user'));
    const request = await makeRequest(backend, dir, { command: 'echo pulled-as-user; id -un', requirements: { container: `docker://${reference}` } });
    const cacheDir = join(dir, 'user-cache');
    await mkdir(cacheDir);
    const report = await runAsUser({
      kind: 'execute',
      options: { cacheDir, registries: { [registry.registry]: { username: registry.username, password: registry.password } } },
      request,
    });
    expect(report.error).toBeUndefined();
    expect(report.result.exitCode).toBe(0);
    expect(await readFile(request.paths.stdoutFile, 'utf8')).toBe(`pulled-as-user\n${TEST_USER}\n`);
    const sif = execFileSync('find', [cacheDir, '-name', '*.sif'], { encoding: 'utf8' }).trim();
    expect((await stat(sif)).uid).toBe(ids.uid);
  });

  const delegable = detectCgroups('capstan').version === 1 && detectCgroups('capstan').usable;
  (delegable ? it : it.skip)('enforces limits for the user in a cgroup folder root delegated to it (cgroupParent)', async () => {
    const parent = uniqueId('capstan-delegated');
    const folders = ['memory', 'cpu'].map((controller) => join('/sys/fs/cgroup', controller, parent));
    try {
      for (const folder of folders) {
        await mkdir(folder);
        execFileSync('chown', ['-R', `${ids.uid}:${ids.gid}`, folder]);
      }
      const backend = new ApptainerBackend();
      const request = await makeRequest(backend, dir, { command: 'sleep 2; dd if=/dev/zero of=/dev/null bs=150M count=1', requirements: { memory: '64 MiB', cpu: 0.25 }, hints: { max_cpu: 0.5 } });
      const report = runAsUser({ kind: 'execute', options: { cacheDir: join(dir, 'cache'), cgroupParent: parent }, request });
      // Read the attempt's cgroup from here while the task sleeps in it.
      const [memory, cpu] = folders;
      let seen: string[] = [];
      for (let waited = 0; waited < 10_000 && seen.length === 0; waited += 50) {
        const attempt = (await readdir(memory ?? '/', { withFileTypes: true })).find((entry) => entry.isDirectory() && entry.name.startsWith(request.attemptName));
        const procs = attempt === undefined ? '' : await readFile(join(memory ?? '/', attempt.name, 'cgroup.procs'), 'utf8').catch(() => '');
        if (attempt !== undefined && procs.trim() !== '') {
          seen = await Promise.all([join(memory ?? '/', attempt.name, 'memory.limit_in_bytes'), join(cpu ?? '/', attempt.name, 'cpu.cfs_quota_us')].map(async (file) => (await readFile(file, 'utf8')).trim()));
        } else await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const { error, capabilities, result } = await report;
      expect(error).toBeUndefined();
      expect(capabilities).toMatchObject({ enforcesMemoryLimit: true, enforcesCpuLimit: true });
      expect(result.endReason).toBe('oom');
      expect(seen).toEqual([String(64 * 1024 * 1024), '50000']);
      // The user's backend removed its cgroup.
      expect((await readdir(memory ?? '/', { withFileTypes: true })).filter((entry) => entry.isDirectory())).toEqual([]);
    } finally {
      for (const folder of folders) await rmdir(folder).catch(() => undefined);
    }
  });
});
