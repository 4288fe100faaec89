import { CapstanError } from '@capstan/core-constraints';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { publishTaskFile } from './index';

const SECRET = 'host-secret-do-not-leak\n';
let base: string;
let root: string;
let out: string;

beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), 'capstan-publish-'));
  root = join(base, 'work');
  out = join(base, 'published');
  await mkdir(join(root, 'sub'), { recursive: true });
  await mkdir(out);
  await mkdir(join(base, 'host'));
  await writeFile(join(base, 'host', 'secret'), SECRET);
  await writeFile(join(root, 'sub', 'a.txt'), 'hello\n');
});

afterEach(() => rm(base, { recursive: true, force: true }));

const sha = (text: string): string => createHash('sha256').update(text).digest('hex');

describe('publishTaskFile', () => {
  it('hard-links a regular file on the same file system, with its size and sha256', async () => {
    const published = await publishTaskFile(root, 'sub/a.txt', join(out, 'a.txt'));
    expect(published).toEqual({ sizeBytes: 6, sha256: sha('hello\n'), linked: true });
    const [source, target] = await Promise.all([stat(join(root, 'sub', 'a.txt')), stat(join(out, 'a.txt'))]);
    expect(target.ino).toBe(source.ino);
  });

  it('copies when it cannot link (another file system), with the same digest', async () => {
    const shm = await mkdtemp('/dev/shm/capstan-cli-outputs-');
    try {
      const published = await publishTaskFile(root, 'sub/a.txt', join(shm, 'a.txt'));
      expect(published).toEqual({ sizeBytes: 6, sha256: sha('hello\n'), linked: false });
      expect(await readFile(join(shm, 'a.txt'), 'utf8')).toBe('hello\n');
    } finally {
      await rm(shm, { recursive: true, force: true });
    }
  });

  it.each([
    ['a link out of the folder', async () => symlink(join(base, 'host', 'secret'), join(root, 'out.txt')), 'symbolic link'],
    ['a link to a file inside', async () => symlink('sub/a.txt', join(root, 'out.txt')), 'symbolic link'],
    ['a FIFO', async () => execFileSync('mkfifo', [join(root, 'out.txt')]), 'FIFO'],
  ])('refuses %s (hostile) and publishes nothing', async (_label, make, why) => {
    await make();
    const error = await publishTaskFile(root, 'out.txt', join(out, 'out.txt')).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CapstanError);
    expect((error as CapstanError).message).toContain(why);
    expect(await readdir(out)).toEqual([]);
    expect(await readFile(join(base, 'host', 'secret'), 'utf8')).toBe(SECRET);
  });

  it('refuses a file reached through a folder link out of the work dir (hostile)', async () => {
    await symlink(join(base, 'host'), join(root, 'hostdir'));
    await expect(publishTaskFile(root, 'hostdir/secret', join(out, 'secret'))).rejects.toThrow(/out of the folder/);
    expect(await readdir(out)).toEqual([]);
  });

  it('never replaces what is already at the destination (fault)', async () => {
    await writeFile(join(out, 'a.txt'), 'earlier');
    await expect(publishTaskFile(root, 'sub/a.txt', join(out, 'a.txt'))).rejects.toThrow(/EEXIST/);
    expect(await readFile(join(out, 'a.txt'), 'utf8')).toBe('earlier');
  });
});
