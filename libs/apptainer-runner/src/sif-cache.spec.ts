import { type BackendEvent, parseContainerSource } from '@capstan/core-constraints';
import { execFile, execFileSync, spawn } from 'node:child_process';
import { mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ApptainerBackend } from './apptainer-backend';
import { FileLock } from './file-lock';
import { toRemoteImage } from './image-reference';
import { SifCache } from './sif-cache';
import { bundleWorker } from './testing/bundle-worker';
import { BUSYBOX_SIF, localRegistry, makeRequest, makeTempDir, registryRequests, removeDir, run, tagInRegistry, uniqueId } from './testing/test-kit';

const registry = localRegistry();
const logins = { [registry.registry]: { username: registry.username, password: registry.password } };

/** A tag of the busybox test image that only this test pulls, and a counter of its manifest GETs at the registry. */
async function freshImage(): Promise<{ uri: string; pulls: () => number }> {
  const tag = uniqueId('cache');
  const reference = await tagInRegistry(registry, 'capstan/busybox', '1', tag);
  return { uri: `docker://${reference}`, pulls: () => registryRequests(`GET /v2/capstan/busybox/manifests/${tag}`) };
}

function lockIsFree(path: string): boolean {
  try {
    execFileSync('flock', ['--nonblock', path, 'true']);
    return true;
  } catch {
    return false;
  }
}

describe('SIF cache (real apptainer pulls from the local registry)', () => {
  // Each conversion first asks the local Docker and Podman stores (local-sources.ts): seconds on a loaded machine.
  let dir: string;
  beforeAll(async () => {
    dir = await makeTempDir('cache');
  });
  afterAll(async () => {
    await removeDir(dir);
  });

  it('converts a docker:// image from a registry with credentials once, then runs from the cache', async () => {
    const image = await freshImage();
    const cacheDir = join(dir, uniqueId('c'));
    const backend = new ApptainerBackend({ cacheDir, registries: logins });
    const first = await run(backend, await makeRequest(backend, dir, { command: 'echo first', requirements: { container: image.uri } }));
    expect(first.result.exitCode).toBe(0);
    expect(first.stdout).toBe('first\n');
    const kinds = (events: BackendEvent[]): string[] => events.filter((event) => event.type !== 'log').map((event) => event.type);
    expect(kinds(first.events)).toEqual(['pulling', 'pulled', 'started']);
    expect(image.pulls()).toBe(1);

    const second = await run(backend, await makeRequest(backend, dir, { command: 'echo second', requirements: { container: image.uri } }));
    expect(second.stdout).toBe('second\n');
    expect(kinds(second.events)).toEqual(['started']);
    // Another backend (another process, as far as the cache can tell) on the same folder uses the same file.
    const other = new ApptainerBackend({ cacheDir });
    expect((await run(other, await makeRequest(other, dir, { command: 'echo third', requirements: { container: image.uri } }))).stdout).toBe('third\n');
    expect(image.pulls()).toBe(1);
    const entries = await readdir(cacheDir);
    expect(entries.filter((name) => name.endsWith('.sif'))).toEqual([`${toRemoteImage(parseContainerSource(image.uri)).key}.sif`]);
  });

  it('fails a pull without credentials with image.unavailable, naming the fix', async () => {
    const image = await freshImage();
    const backend = new ApptainerBackend({ cacheDir: join(dir, uniqueId('c')) });
    const request = await makeRequest(backend, dir, { command: 'true', requirements: { container: image.uri } });
    await expect(backend.execute(request, new AbortController().signal, () => undefined)).rejects.toMatchObject({
      code: 'image.unavailable',
      message: expect.stringMatching(/authentication required.*no credentials are configured for 127\.0\.0\.1:5000/s),
    });
  });

  it('fails a missing image with image.unavailable and leaves nothing in the cache', async () => {
    const cacheDir = join(dir, uniqueId('c'));
    const backend = new ApptainerBackend({ cacheDir, registries: logins });
    const request = await makeRequest(backend, dir, { command: 'true', requirements: { container: `docker://${registry.registry}/capstan/missing:1` } });
    await expect(backend.execute(request, new AbortController().signal, () => undefined)).rejects.toMatchObject({ code: 'image.unavailable', path: 'requirements.container' });
    expect((await readdir(cacheDir)).filter((name) => !name.startsWith('.'))).toEqual([]);
    expect(await readdir(join(cacheDir, '.tmp'))).toEqual([]);
  });

  it('runs an oras:// image (a SIF pushed to the registry) with the same credentials', async () => {
    const uri = `oras://${registry.registry}/capstan/busybox-sif:1`;
    await promisify(execFile)('apptainer', ['-q', 'push', '--no-https', BUSYBOX_SIF, uri], {
      env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '/root', APPTAINER_DOCKER_USERNAME: registry.username, APPTAINER_DOCKER_PASSWORD: registry.password },
    });
    const backend = new ApptainerBackend({ cacheDir: join(dir, uniqueId('c')), registries: logins });
    const { result, stdout } = await run(backend, await makeRequest(backend, dir, { command: 'echo from-oras', requirements: { container: uri } }));
    expect(result.exitCode).toBe(0);
    expect(stdout).toBe('from-oras\n');
  });

  it('honours the pull policies: never (cache only) and always (converted again for each attempt)', async () => {
    const image = await freshImage();
    const cacheDir = join(dir, uniqueId('c'));
    const never = new ApptainerBackend({ cacheDir, registries: logins, pullPolicy: 'never' });
    await expect(never.execute(await makeRequest(never, dir, { command: 'true', requirements: { container: image.uri } }), new AbortController().signal, () => undefined)).rejects.toMatchObject({
      code: 'image.unavailable',
      message: expect.stringContaining('the pull policy is never'),
    });
    expect(image.pulls()).toBe(0);
    const always = new ApptainerBackend({ cacheDir, registries: logins, pullPolicy: 'always' });
    for (const word of ['one', 'two']) {
      expect((await run(always, await makeRequest(always, dir, { command: `echo ${word}`, requirements: { container: image.uri } }))).stdout).toBe(`${word}\n`);
    }
    expect(image.pulls()).toBe(2);
    expect((await run(never, await makeRequest(never, dir, { command: 'echo cached', requirements: { container: image.uri } }))).stdout).toBe('cached\n');
    expect(image.pulls()).toBe(2);
  });

  it('removes what a killed converter left in the temp folder, and converts into a fresh one', async () => {
    const image = await freshImage();
    const cacheDir = join(dir, uniqueId('c'));
    const remote = toRemoteImage(parseContainerSource(image.uri));
    const stale = join(cacheDir, '.tmp', `${remote.key}.999999.deadbeef`);
    await mkdir(stale, { recursive: true });
    await writeFile(join(stale, 'image.sif'), 'half an image');
    const cache = new SifCache({ cacheDir, binary: 'apptainer', flavour: 'apptainer', baseEnv: { PATH: process.env['PATH'] ?? '' }, registries: logins, insecureRegistries: [], extraPullArgs: [], pullTimeoutMs: 60_000 });
    const cached = await cache.ensure(remote, { policy: 'if-not-present' });
    expect(cached.pulled).toBe(true);
    expect((await stat(cached.path)).size).toBeGreaterThan(100_000);
    expect(await readdir(join(cacheDir, '.tmp'))).toEqual([]);
  });

  it('shares one conversion among the attempts of one process, and stops it only when all of them are canceled', async () => {
    const image = await freshImage();
    const cacheDir = join(dir, uniqueId('c'));
    const remote = toRemoteImage(parseContainerSource(image.uri));
    const cache = new SifCache({ cacheDir, binary: 'apptainer', flavour: 'apptainer', baseEnv: { PATH: process.env['PATH'] ?? '' }, registries: logins, insecureRegistries: [], extraPullArgs: [], pullTimeoutMs: 60_000 });
    let pullsStarted = 0;
    let waiting = 0;
    const quitter = new AbortController();
    const options = {
      policy: 'if-not-present' as const,
      onPullStart: () => (pullsStarted += 1),
      // Both have joined the one conversion when the second says it waits: then the first gives up.
      onPulling: () => (waiting += 1) === 2 && setImmediate(() => quitter.abort()),
    };
    const gaveUp = cache.ensure(remote, { ...options, signal: quitter.signal });
    const stays = cache.ensure(remote, options);
    await expect(gaveUp).rejects.toMatchObject({ code: 'run.canceled' });
    expect((await stays).pulled).toBe(true);
    expect(pullsStarted).toBe(1);
    expect(image.pulls()).toBe(1);

    // Canceled by its only waiter during the pull: stopped, its temp folder removed, the lock free.
    const other = await freshImage();
    const lonely = new AbortController();
    const otherRemote = toRemoteImage(parseContainerSource(other.uri));
    const canceled = cache.ensure(otherRemote, { policy: 'if-not-present', signal: lonely.signal, onPullStart: () => setTimeout(() => lonely.abort(), 50) });
    await expect(canceled).rejects.toMatchObject({ code: 'run.canceled' });
    const lock = join(cacheDir, '.locks', `${otherRemote.key}.lock`);
    for (let waited = 0; waited < 5_000 && !((await readdir(join(cacheDir, '.tmp'))).length === 0 && lockIsFree(lock)); waited += 50) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(await readdir(join(cacheDir, '.tmp'))).toEqual([]);
    expect(lockIsFree(lock)).toBe(true);
    await expect(stat(cache.entryPath(otherRemote))).rejects.toThrow();
  });
});

describe('FileLock (flock held by a helper process)', () => {
  let dir: string;
  let worker: { file: string; dir: string };
  beforeAll(async () => {
    dir = await makeTempDir('lock');
    worker = await bundleWorker();
  });
  afterAll(async () => {
    await removeDir(dir);
    await removeDir(worker?.dir);
  });

  it('excludes other holders until released', async () => {
    const path = join(dir, 'a.lock');
    const lock = await FileLock.acquire(path);
    expect(lockIsFree(path)).toBe(false);
    let second: FileLock | undefined;
    const waiting = FileLock.acquire(path).then((acquired) => (second = acquired));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(second).toBeUndefined();
    await lock.release();
    await waiting;
    expect(second).toBeDefined();
    expect(lockIsFree(path)).toBe(false);
    await second?.release();
    expect(lockIsFree(path)).toBe(true);
  });

  it('gives up waiting when aborted, without taking the lock later', async () => {
    const path = join(dir, 'b.lock');
    const lock = await FileLock.acquire(path);
    const controller = new AbortController();
    const waiting = FileLock.acquire(path, controller.signal);
    setTimeout(() => controller.abort(), 100);
    await expect(waiting).rejects.toMatchObject({ code: 'run.canceled' });
    await lock.release();
    expect(lockIsFree(path)).toBe(true);
  });

  it('is released by the kernel when the process holding it is killed (no stale lock)', async () => {
    const path = join(dir, 'c.lock');
    const holder = spawn(process.execPath, [worker.file, JSON.stringify({ kind: 'lock', path })], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve) => holder.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('held') && resolve()));
    expect(lockIsFree(path)).toBe(false);
    holder.kill('SIGKILL');
    let timer: NodeJS.Timeout | undefined;
    const acquired = await Promise.race([FileLock.acquire(path), new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), 3_000)))]);
    clearTimeout(timer);
    expect(acquired).not.toBeNull();
    await acquired?.release();
  });
});
