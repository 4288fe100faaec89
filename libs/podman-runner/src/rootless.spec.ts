import { build } from 'esbuild';
import { execFile } from 'node:child_process';
import { lstat, readdir, readFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { PodmanBackend } from './podman-backend';
import { chownTree, PodmanTestRun, ROOTLESS_SOCKET, rootlessUnavailableReason, TEST_USER, uniqueId } from './testing/podman-test-kit';

jest.setTimeout(120_000);

/** uid:gid of every entry under `folder` (symlinks themselves), by relative path. */
async function owners(folder: string, prefix = ''): Promise<Record<string, string>> {
  const result: Record<string, string> = {};
  for (const entry of await readdir(folder, { withFileTypes: true })) {
    const path = join(folder, entry.name);
    const info = await lstat(path);
    result[prefix + entry.name] = `${info.uid}:${info.gid}`;
    if (entry.isDirectory()) Object.assign(result, await owners(path, `${prefix}${entry.name}/`));
  }
  return result;
}

const WRITE_FILES = 'id -u; id -g; mkdir -p sub/deeper; echo x > sub/deeper/file; touch top; ln -s /etc/passwd link';
const unavailable = rootlessUnavailableReason();
if (unavailable !== null) {
  // Printed, so that a skipped run says why (tools/engines/podman.sh recorded the error text).
  console.warn(`rootless Podman tests skipped: ${unavailable}`);
}
const describeRootless = unavailable === null ? describe : describe.skip;

describeRootless(`PodmanBackend with a rootless service (real, as ${TEST_USER.name}, uid ${TEST_USER.uid})`, () => {
  const run = new PodmanTestRun();
  const backend = new PodmanBackend({ socketPath: ROOTLESS_SOCKET, graceSeconds: 1 });
  /** Hands a request's task folder to the service's user, as the engine run by that user would have made it. */
  const asTheUsers = async (taskRoot: string): Promise<void> => chownTree(taskRoot, TEST_USER.uid, TEST_USER.gid);
  beforeEach(async () => {
    await run.setUp();
    await asTheUsers(run.root);
  });
  afterEach(() => run.tearDown());
  afterAll(async () => expect(await run.leftovers(backend)).toEqual([]));

  it('probes the service as rootless, running as the test user, and says which limits it cannot enforce', async () => {
    const probe = await backend.probe();
    expect(probe).toMatchObject({ available: true, version: expect.stringMatching(/^Podman .* \(rootless\)$/) });
    expect(probe.details).toMatchObject({ rootless: true, serviceUid: TEST_USER.uid, userns: 'keep-id' });
    const v1 = probe.details['cgroupVersion'] === '1';
    // A rootless service on cgroup v1 gets no controllers: Podman ignores every limit there.
    if (v1) expect(backend.capabilities).toMatchObject({ enforcesMemoryLimit: false, enforcesCpuLimit: false });
    expect(backend.capabilities.runsAsInvokingUser).toBe(true);
  });

  it('runs the task as the service’s user with keep-id: everything it writes is theirs, with no repair step', async () => {
    const request = await run.request(backend, { command: WRITE_FILES });
    await asTheUsers(run.root);
    const repair = jest.spyOn(backend, 'repairOwnership');
    const { result } = await run.execute(backend, request);
    expect(result).toMatchObject({ exitCode: 0, endReason: 'exited' });
    expect(await readFile(request.paths.stdoutFile, 'utf8')).toBe(`${TEST_USER.uid}\n${TEST_USER.gid}\n`);
    expect(await owners(request.paths.workDir)).toEqual({
      sub: `${TEST_USER.uid}:${TEST_USER.gid}`,
      'sub/deeper': `${TEST_USER.uid}:${TEST_USER.gid}`,
      'sub/deeper/file': `${TEST_USER.uid}:${TEST_USER.gid}`,
      top: `${TEST_USER.uid}:${TEST_USER.gid}`,
      link: `${TEST_USER.uid}:${TEST_USER.gid}`,
    });
    expect(repair).not.toHaveBeenCalled();
  });

  it('without keep-id (userns host), a non-root image user writes subordinate ids, which repairOwnership gives back to the user', async () => {
    const hostNs = new PodmanBackend({ socketPath: ROOTLESS_SOCKET, userns: 'host', user: '1000:1000' });
    const request = await run.request(hostNs, { command: 'id -u; mkdir d; touch d/f top' });
    await asTheUsers(run.root);
    const { result } = await run.execute(hostNs, request);
    expect(result.exitCode).toBe(0);
    expect(await readFile(request.paths.stdoutFile, 'utf8')).toBe('1000\n');
    const before = await owners(request.paths.workDir);
    expect(before['top']).not.toBe(`${TEST_USER.uid}:${TEST_USER.gid}`); // a subordinate id (e.g. 100999)
    await expect(hostNs.repairOwnership(request.paths.workDir, { uid: 1234, gid: 1234 }, request)).rejects.toThrow(/can give files only to that user/);
    await hostNs.repairOwnership(request.paths.workDir, { uid: TEST_USER.uid, gid: TEST_USER.gid }, request);
    expect(new Set(Object.values(await owners(request.paths.workDir)))).toEqual(new Set([`${TEST_USER.uid}:${TEST_USER.gid}`]));
  });

  describe('run by the user themselves (setpriv), finding their own service', () => {
    const bundle = resolve(__dirname, '../../../tmp/podman-runner', `${uniqueId('run-as-user')}.cjs`);
    beforeAll(async () => {
      // Bundled (workspace aliases resolved, npm packages from node_modules) where the user can read it.
      await build({
        entryPoints: [join(__dirname, 'testing', 'run-as-user.ts')],
        bundle: true,
        platform: 'node',
        target: 'node22.12',
        format: 'cjs',
        outfile: bundle,
        tsconfig: resolve(__dirname, '../../../tsconfig.base.json'),
        packages: 'external',
        logLevel: 'warning',
      });
    });
    afterAll(() => rm(bundle, { force: true }));

    it('resolves $XDG_RUNTIME_DIR/podman/podman.sock by itself; the outputs belong to the user as the task ends', async () => {
      const { stdout } = await promisify(execFile)(
        'setpriv',
        [
          `--reuid=${TEST_USER.uid}`,
          `--regid=${TEST_USER.gid}`,
          '--init-groups',
          'env',
          '-i',
          `HOME=/home/${TEST_USER.name}`,
          `USER=${TEST_USER.name}`,
          `XDG_RUNTIME_DIR=/run/user/${TEST_USER.uid}`,
          `PATH=${process.env['PATH'] ?? '/usr/bin:/bin'}`,
          process.execPath,
          bundle,
          WRITE_FILES,
        ],
        { cwd: '/tmp', timeout: 60_000 },
      );
      const outcome = JSON.parse(stdout) as {
        endpoint: string;
        probe: { details: Record<string, unknown> };
        result: { exitCode: number; endReason: string };
        paths: { workDir: string; stdoutFile: string };
        root: string;
        leftovers: string[];
      };
      try {
        expect(outcome.endpoint).toBe(`unix://${ROOTLESS_SOCKET}`);
        expect(outcome.probe.details).toMatchObject({ rootless: true, serviceUid: TEST_USER.uid });
        expect(outcome.result).toMatchObject({ exitCode: 0, endReason: 'exited' });
        expect(outcome.leftovers).toEqual([]);
        expect(await readFile(outcome.paths.stdoutFile, 'utf8')).toBe(`${TEST_USER.uid}\n${TEST_USER.gid}\n`);
        expect(new Set(Object.values(await owners(outcome.paths.workDir)))).toEqual(new Set([`${TEST_USER.uid}:${TEST_USER.gid}`]));
      } finally {
        await rm(outcome.root, { recursive: true, force: true });
      }
    });
  });
});
