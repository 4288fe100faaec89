import { lstat, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PodmanBackend } from './podman-backend';
import { BASH, chownTree, PodmanTestRun, ROOTFUL_SOCKET } from './testing/podman-test-kit';

jest.setTimeout(60_000);

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

describe('PodmanBackend file ownership (real rootful service)', () => {
  const run = new PodmanTestRun();
  beforeEach(() => run.setUp());
  afterEach(() => run.tearDown());
  afterAll(async () => expect(await run.leftovers(new PodmanBackend({ socketPath: ROOTFUL_SOCKET }))).toEqual([]));

  it('with user auto, runs as the invoking user when that is not root, as Docker does', async () => {
    const backend = new PodmanBackend({ socketPath: ROOTFUL_SOCKET }, process.env, { invoking: { uid: 1000, gid: 1000 } });
    const request = await run.request(backend, { command: 'id -u; id -g; mkdir sub; touch sub/file' });
    await chownTree(request.paths.root, 1000, 1000);
    const { result } = await run.execute(backend, request);
    expect(result.exitCode).toBe(0);
    expect(await readFile(request.paths.stdoutFile, 'utf8')).toBe('1000\n1000\n');
    expect(new Set(Object.values(await owners(request.paths.workDir)))).toEqual(new Set(['1000:1000']));
  });

  it('as root, gives every file of the work dir to the owner with a short container of the task’s own image', async () => {
    const backend = new PodmanBackend({ socketPath: ROOTFUL_SOCKET, user: 'root' });
    const request = await run.request(backend, { command: 'mkdir -p deep/er; echo a > deep/er/file; touch rootfile other; chown 2000:3000 other; ln -s /etc/passwd link' });
    expect((await run.execute(backend, request)).result.exitCode).toBe(0);
    expect((await owners(request.paths.workDir))['other']).toBe('2000:3000');
    await backend.repairOwnership(request.paths.workDir, { uid: 1000, gid: 1000 }, request);
    expect(new Set(Object.values(await owners(request.paths.workDir)))).toEqual(new Set(['1000:1000']));
    expect((await lstat('/etc/passwd')).uid).toBe(0);
  });

  it('repairs with the repairImage when one is set, and says which option to set when the image is missing', async () => {
    const backend = new PodmanBackend({ socketPath: ROOTFUL_SOCKET, user: 'root', repairImage: BASH });
    const request = await run.request(backend, { command: 'touch f' });
    await run.execute(backend, request);
    await backend.repairOwnership(request.paths.workDir, { uid: 1234, gid: 5678 }, request);
    expect(await owners(request.paths.workDir)).toEqual({ f: '1234:5678' });
    const missing = new PodmanBackend({ socketPath: ROOTFUL_SOCKET, repairImage: 'localhost/capstan-test/busybox:no-such-tag' });
    await expect(missing.repairOwnership(request.paths.workDir, { uid: 1, gid: 1 }, request)).rejects.toMatchObject({
      code: 'image.unavailable',
      message: expect.stringContaining("set the podman backend's repairImage"),
    });
  });
});
