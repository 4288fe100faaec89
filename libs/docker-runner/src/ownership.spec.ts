import { chown, lstat, mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { DockerBackend } from './docker-backend';
import { BASH, DockerTestRun } from './testing/docker-test-kit';

jest.setTimeout(60_000);

/** uid:gid of every entry under `folder` (symlinks themselves, not their targets), by relative path. */
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

async function chownTree(folder: string, uid: number, gid: number): Promise<void> {
  await chown(folder, uid, gid);
  for (const entry of await readdir(folder, { withFileTypes: true })) {
    if (entry.isDirectory()) await chownTree(join(folder, entry.name), uid, gid);
    else await chown(join(folder, entry.name), uid, gid);
  }
}

describe('DockerBackend file ownership (real daemon)', () => {
  const run = new DockerTestRun();
  beforeEach(() => run.setUp());
  afterEach(() => run.tearDown());
  afterAll(async () => expect(await run.leftovers(new DockerBackend())).toEqual([]));

  it('runs as the configured UID:GID, which then owns what the task writes', async () => {
    const backend = new DockerBackend({ user: '1000:1000' });
    const request = await run.request(backend, { command: 'id -u; id -g; mkdir sub; echo x > sub/file; touch top' });
    const { result } = await run.execute(backend, request);
    expect(result.exitCode).toBe(0);
    expect(Object.values(await owners(request.paths.workDir))).toEqual(['1000:1000', '1000:1000', '1000:1000']);
  });

  it('with user auto, runs as the invoking user when that is not root (its uid:gid then owns what the task writes)', async () => {
    // As the engine would have made it when run by uid 1000: the attempt folder is that user's.
    const backend = new DockerBackend({}, process.env, { invoking: { uid: 1000, gid: 1000 } });
    const request = await run.request(backend, { command: 'id -u; id -g; mkdir sub; touch sub/file' });
    await chownTree(request.paths.root, 1000, 1000);
    const { result } = await run.execute(backend, request);
    expect(result.exitCode).toBe(0);
    expect(await readFile(request.paths.stdoutFile, 'utf8')).toBe('1000\n1000\n');
    expect(new Set(Object.values(await owners(request.paths.workDir)))).toEqual(new Set(['1000:1000']));
  });

  it('with user auto as root, runs as the image’s own user', async () => {
    const backend = new DockerBackend({}, process.env, { invoking: { uid: 0, gid: 0 } });
    const request = await run.request(backend, { command: 'id -u' });
    await run.execute(backend, request);
    expect(await readFile(request.paths.stdoutFile, 'utf8')).toBe('0\n');
  });

  it('as root, gives every file of the work dir to the owner with a short container of the task’s own image', async () => {
    const backend = new DockerBackend({ user: 'root' });
    const request = await run.request(backend, {
      command: 'mkdir -p deep/er; echo a > deep/er/file; touch rootfile; touch other; chown 2000:3000 other; ln -s /etc/passwd link; chown -h 4000:4000 link',
    });
    const { result } = await run.execute(backend, request);
    expect(result.exitCode).toBe(0);
    const before = await owners(request.paths.workDir);
    expect(before['rootfile']).toBe('0:0');
    expect(before['other']).toBe('2000:3000');
    await backend.repairOwnership(request.paths.workDir, { uid: 1000, gid: 1000 }, request);
    const after = await owners(request.paths.workDir);
    expect(Object.keys(after).sort()).toEqual(['deep', 'deep/er', 'deep/er/file', 'link', 'other', 'rootfile']);
    expect(new Set(Object.values(after))).toEqual(new Set(['1000:1000']));
    expect((await lstat('/etc/passwd')).uid).toBe(0); // the symlink's target is not touched
  });

  it('uses the repairImage when one is configured', async () => {
    const backend = new DockerBackend({ user: 'root', repairImage: BASH });
    const request = await run.request(backend, { command: 'touch f', requirements: { container: 'capstan-test/busybox:1' } });
    await run.execute(backend, request);
    await backend.repairOwnership(request.paths.workDir, { uid: 1234, gid: 5678 }, request);
    expect(await owners(request.paths.workDir)).toEqual({ f: '1234:5678' });
  });

  it('refuses a folder outside the attempt folder, also through a symlink', async () => {
    const backend = new DockerBackend({ user: 'root' });
    const request = await run.request(backend, { command: 'true' });
    const outside = join(run.root, 'elsewhere');
    await mkdir(outside);
    await writeFile(join(outside, 'f'), '');
    await expect(backend.repairOwnership(outside, { uid: 1000, gid: 1000 }, request)).rejects.toThrow(/not inside the attempt folder/);
    await expect(backend.repairOwnership(dirname(request.paths.root), { uid: 1000, gid: 1000 }, request)).rejects.toThrow(/not inside/);
    await symlink(outside, join(request.paths.workDir, 'escape'));
    await expect(backend.repairOwnership(join(request.paths.workDir, 'escape'), { uid: 1000, gid: 1000 }, request)).rejects.toThrow(/not inside/);
    expect((await lstat(join(outside, 'f'))).uid).toBe(0);
  });

  it('rejects with a clear error when the repair cannot run', async () => {
    const missingImage = new DockerBackend({ repairImage: 'capstan-test/busybox:no-such-tag' });
    const request = await run.request(missingImage, { command: 'true' });
    await expect(missingImage.repairOwnership(request.paths.workDir, { uid: 1, gid: 1 }, request)).rejects.toMatchObject({
      code: 'image.unavailable',
      message: expect.stringContaining('never pulls'),
    });
  });
});
