import { chmod, mkdtemp, readFile, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DiskCache, fileIdentity } from './disk-cache';

interface Facts {
  readonly cpus: number;
}

const parse = (value: unknown): Facts | undefined =>
  typeof value === 'object' && value !== null && Object.keys(value).length === 1 && typeof (value as Facts).cpus === 'number' ? (value as Facts) : undefined;

describe('DiskCache: one probe’s answer kept between processes (real files)', () => {
  let dir: string;
  let source: string;
  let now: number;
  const cacheIn = (folder: string, identity = (): Promise<string> => fileIdentity(source)): DiskCache<Facts> =>
    new DiskCache<Facts>({ folder, file: 'facts.json', identity, ttlMs: 60_000, parse, now: () => now });
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'call-path-disk-cache-'));
    source = join(dir, 'daemon.sock');
    await writeFile(source, '');
    now = 1_000_000;
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('reads back what it wrote while the source stands, until the entry is too old; private file and folder', async () => {
    const cache = cacheIn(join(dir, 'cache'));
    expect(await cache.read()).toBeUndefined();
    await cache.write({ cpus: 2 });
    expect(await cache.read()).toEqual({ cpus: 2 });
    now += 59_999;
    expect(await cache.read()).toEqual({ cpus: 2 });
    now += 1;
    expect(await cache.read()).toBeUndefined();
    const { statSync } = await import('node:fs');
    expect(statSync(join(dir, 'cache', 'facts.json')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'cache')).mode & 0o777).toBe(0o700);
  });

  it('a replaced source (another inode) or a changed one (another change time, size) is asked again', async () => {
    const cache = cacheIn(join(dir, 'cache'));
    await cache.write({ cpus: 2 });
    await rm(source);
    await writeFile(source, '');
    expect(await cache.read()).toBeUndefined();
    await cache.write({ cpus: 4 });
    await writeFile(source, 'upgraded');
    expect(await cache.read()).toBeUndefined();
    await cache.write({ cpus: 8 });
    expect(await cache.read()).toEqual({ cpus: 8 });
    await utimes(source, new Date(), new Date(Date.now() + 5_000)); // its change time moves too: asked again
    expect(await cache.read()).toBeUndefined();
  });

  it('hostile: a malformed, extended, future, foreign-writable or linked entry is not used', async () => {
    const cache = cacheIn(join(dir, 'cache'));
    await cache.write({ cpus: 2 });
    const path = join(dir, 'cache', 'facts.json');
    const good = await readFile(path, 'utf8');
    const entry = JSON.parse(good) as Record<string, unknown>;
    for (const text of [
      '{',
      'null',
      '[1,2,3]',
      JSON.stringify({ ...entry, value: { cpus: 'many' } }),
      JSON.stringify({ ...entry, value: { cpus: 2, extra: 1 } }),
      JSON.stringify({ ...entry, extra: 1 }),
      JSON.stringify({ ...entry, identity: 'another' }),
      JSON.stringify({ ...entry, savedAt: '1000000' }),
      JSON.stringify({ ...entry, savedAt: now + 60_000 }),
      'x'.repeat(65 * 1024),
    ]) {
      await writeFile(path, text);
      expect(await cache.read()).toBeUndefined();
    }
    await writeFile(path, good);
    expect(await cache.read()).toEqual({ cpus: 2 });
    await chmod(path, 0o666);
    expect(await cache.read()).toBeUndefined();
    await rm(path);
    await writeFile(join(dir, 'elsewhere.json'), good, { mode: 0o600 });
    await symlink(join(dir, 'elsewhere.json'), path);
    expect(await cache.read()).toBeUndefined();
  });

  it('fault: a folder that cannot be made, a source that is gone, or an identity that fails is no error (the caller asks)', async () => {
    await writeFile(join(dir, 'not-a-folder'), '');
    const unwritable = cacheIn(join(dir, 'not-a-folder', 'cache'));
    await expect(unwritable.write({ cpus: 2 })).resolves.toBeUndefined();
    expect(await unwritable.read()).toBeUndefined();
    const cache = cacheIn(join(dir, 'cache'));
    await cache.write({ cpus: 2 });
    await rm(source);
    expect(await cache.read()).toBeUndefined();
    const failing = cacheIn(join(dir, 'cache'), () => Promise.reject(new Error('no socket')));
    await expect(failing.write({ cpus: 3 })).resolves.toBeUndefined();
    expect(await failing.read()).toBeUndefined();
  });

  it('the user folder follows XDG_CACHE_HOME, else ~/.cache', () => {
    expect(DiskCache.userFolder({ XDG_CACHE_HOME: '/x/cache' })).toBe('/x/cache/capstan');
    expect(DiskCache.userFolder({ XDG_CACHE_HOME: '' })).toMatch(/\/\.cache\/capstan$/);
  });
});
