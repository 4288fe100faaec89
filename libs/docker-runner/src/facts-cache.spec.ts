import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { type ClientRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DockerBackend } from './docker-backend';

jest.setTimeout(30_000);

describe('DockerBackend with the daemon facts kept between processes (real daemon)', () => {
  let dir: string;
  let paths: string[];
  const onRequest = (message: unknown): void => void paths.push((message as { request: ClientRequest }).request.path);
  const infoCalls = (): number => paths.filter((path) => path.startsWith('/info') || path.startsWith('/version')).length;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'call-path-docker-facts-'));
    paths = [];
    subscribe('http.client.request.start', onRequest);
  });
  afterEach(async () => {
    unsubscribe('http.client.request.start', onRequest);
    await rm(dir, { recursive: true, force: true });
  });

  it('a second process’s backend takes its capacity from the cache, without GET /version or /info; a probe still asks', async () => {
    const env = { ...process.env, XDG_CACHE_HOME: dir };
    const first = await new DockerBackend({}, env).capacity();
    expect(infoCalls()).toBe(2);
    const second = new DockerBackend({}, env);
    expect(await second.capacity()).toEqual(first);
    expect(infoCalls()).toBe(2);
    expect((await second.probe()).available).toBe(true);
    expect(infoCalls()).toBe(4);
  });

  it('hostile: an entry claiming other facts in a wrong shape (extra field, no cpus) is not used: the daemon is asked', async () => {
    const env = { ...process.env, XDG_CACHE_HOME: dir };
    const truth = await new DockerBackend({}, env).capacity();
    const [name] = await readdir(join(dir, 'capstan'));
    const path = join(dir, 'capstan', name as string);
    const entry = JSON.parse(await readFile(path, 'utf8')) as { value: Record<string, unknown> };
    for (const value of [{ ...entry.value, cpus: 1000, extra: true }, { ...entry.value, cpus: 0 }, { ...entry.value, gpus: -1 }]) {
      await writeFile(path, JSON.stringify({ ...entry, value }), { mode: 0o600 });
      expect(await new DockerBackend({}, env).capacity()).toEqual(truth);
    }
  });

  it('fault: an unusable cache folder is no error: each backend asks the daemon', async () => {
    await writeFile(join(dir, 'file'), '');
    const env = { ...process.env, XDG_CACHE_HOME: join(dir, 'file') };
    const backend = new DockerBackend({}, env);
    expect((await backend.capacity()).total.cpu).toBeGreaterThan(0);
    expect((await new DockerBackend({}, env).capacity()).total.cpu).toBeGreaterThan(0);
    expect(infoCalls()).toBe(4);
  });
});
