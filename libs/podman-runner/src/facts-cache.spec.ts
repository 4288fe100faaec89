import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { chmod, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { type ClientRequest } from 'node:http';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DISK_FACTS_TTL_MS, PodmanFactsCache } from './facts-cache';
import { PodmanBackend } from './podman-backend';
import { type PodmanFacts } from './podman-service';
import { ROOTFUL_SOCKET } from './testing/podman-test-kit';

jest.setTimeout(30_000);

const FACTS: PodmanFacts = {
  version: 'Podman 4.3.1 (rootful)',
  podmanVersion: '4.3.1',
  cpus: 2,
  memoryBytes: 4 * 1024 ** 3,
  rootless: false,
  serviceUid: 0,
  serviceGid: 0,
  cgroupVersion: '1',
  cgroupManager: 'cgroupfs',
  cgroupControllers: ['cpu', 'memory'],
  ociRuntime: 'runc',
  conmonPath: '/usr/bin/conmon',
  storageDriver: 'overlay',
  oomReported: true,
  endpoint: 'unix:///test.sock',
};

function listen(path: string): Promise<Server> {
  return new Promise((resolveServer, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(path, () => resolveServer(server));
  });
}

const close = (server: Server): Promise<void> => new Promise((resolveClose) => server.close(() => resolveClose()));

describe('PodmanFactsCache: a Podman service’s facts kept between processes (real files, a real socket)', () => {
  let dir: string;
  let socketPath: string;
  let server: Server;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lazy-load-podman-facts-'));
    socketPath = join(dir, 'service.sock');
    server = await listen(socketPath);
  });
  afterEach(async () => {
    await close(server);
    await rm(dir, { recursive: true, force: true });
  });

  it('reads back what it wrote while the same socket stands, until the entry is too old', async () => {
    let now = 1_000_000;
    const cache = new PodmanFactsCache(join(dir, 'cache'), socketPath, () => now);
    expect(await cache.read()).toBeUndefined();
    await cache.write(FACTS);
    expect(await cache.read()).toEqual(FACTS);
    now += DISK_FACTS_TTL_MS - 1;
    expect(await cache.read()).toEqual(FACTS);
    now += 1;
    expect(await cache.read()).toBeUndefined();
  });

  it('a restarted service (a new socket file) is asked again', async () => {
    const cache = new PodmanFactsCache(join(dir, 'cache'), socketPath);
    await cache.write(FACTS);
    await close(server);
    server = await listen(socketPath);
    expect(await cache.read()).toBeUndefined();
  });

  it('hostile: a malformed, extended, foreign-writable or linked entry is not used', async () => {
    const cache = new PodmanFactsCache(join(dir, 'cache'), socketPath);
    await cache.write(FACTS);
    const [name] = await readdir(join(dir, 'cache'));
    const path = join(dir, 'cache', name as string);
    const good = await readFile(path, 'utf8');
    const entry = JSON.parse(good) as { value: Record<string, unknown> };
    for (const text of ['{', JSON.stringify({ ...entry, value: { ...entry.value, rootless: 'no' } }), JSON.stringify({ ...entry, value: { ...entry.value, extra: 1 } }), JSON.stringify({ ...entry, savedAt: Date.now() + 60_000 })]) {
      await writeFile(path, text);
      expect(await cache.read()).toBeUndefined();
    }
    await writeFile(path, good);
    await chmod(path, 0o666);
    expect(await cache.read()).toBeUndefined();
    await rm(path);
    await writeFile(join(dir, 'elsewhere.json'), good);
    await symlink(join(dir, 'elsewhere.json'), path);
    expect(await cache.read()).toBeUndefined();
  });

  it('fault: a cache folder that cannot be made, or a socket that is gone, is no error (the service is asked)', async () => {
    await writeFile(join(dir, 'not-a-folder'), '');
    const unwritable = new PodmanFactsCache(join(dir, 'not-a-folder', 'cache'), socketPath);
    await expect(unwritable.write(FACTS)).resolves.toBeUndefined();
    expect(await unwritable.read()).toBeUndefined();
    const gone = new PodmanFactsCache(join(dir, 'cache'), join(dir, 'no-such.sock'));
    await expect(gone.write(FACTS)).resolves.toBeUndefined();
    expect(await gone.read()).toBeUndefined();
  });
});

describe('PodmanBackend with the facts cache (real rootful service)', () => {
  it('a second process’s backend takes its capacity from the cache, without GET /libpod/info; a probe still asks', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lazy-load-podman-facts-'));
    const paths: string[] = [];
    const onRequest = (message: unknown): void => void paths.push((message as { request: ClientRequest }).request.path);
    subscribe('http.client.request.start', onRequest);
    try {
      const env = { ...process.env, XDG_CACHE_HOME: dir };
      const first = await new PodmanBackend({ socketPath: ROOTFUL_SOCKET }, env).capacity();
      expect(paths.filter((path) => path.includes('/libpod/info'))).toHaveLength(1);
      const second = new PodmanBackend({ socketPath: ROOTFUL_SOCKET }, env);
      expect(await second.capacity()).toEqual(first);
      expect(second.capabilities.enforcesMemoryLimit).toBe(true);
      expect(paths.filter((path) => path.includes('/libpod/info'))).toHaveLength(1);
      expect((await second.probe()).available).toBe(true);
      expect(paths.filter((path) => path.includes('/libpod/info'))).toHaveLength(2);
    } finally {
      unsubscribe('http.client.request.start', onRequest);
      await rm(dir, { recursive: true, force: true });
    }
  });
});
