import { chown, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findForeignOwners } from './foreign-owners';

const asRoot = process.getuid?.() === 0;

describe('findForeignOwners (real files)', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'capstan-owners-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('finds nothing in a folder that is all ours', async () => {
    await mkdir(join(dir, 'a', 'b'), { recursive: true });
    await writeFile(join(dir, 'a', 'b', 'f'), 'x');
    expect(await findForeignOwners(dir, { uid: process.getuid?.() ?? 0 })).toEqual({ paths: [], count: 0 });
  });

  (asRoot ? it : it.skip)('lists every entry of another owner, not only root, and does not follow symlinks out (needs root to chown)', async () => {
    await mkdir(join(dir, 'deep', 'er'), { recursive: true });
    await writeFile(join(dir, 'deep', 'er', 'by-1000'), 'x');
    await writeFile(join(dir, 'by-2000'), 'x');
    await writeFile(join(dir, 'mine'), 'x');
    await chown(join(dir, 'deep', 'er', 'by-1000'), 1000, 1000);
    await chown(join(dir, 'by-2000'), 2000, 2000);
    const outside = await mkdtemp(join(tmpdir(), 'capstan-outside-'));
    await writeFile(join(outside, 'foreign'), 'x');
    await chown(join(outside, 'foreign'), 3000, 3000);
    await symlink(outside, join(dir, 'link-out'));
    try {
      const scan = await findForeignOwners(dir, { uid: 0 });
      expect(scan.count).toBe(2);
      expect([...scan.paths].sort()).toEqual([join(dir, 'by-2000'), join(dir, 'deep', 'er', 'by-1000')].sort());
      const as1000 = await findForeignOwners(dir, { uid: 1000 }, 3);
      expect(as1000.count).toBe(6);
      expect(as1000.paths).toHaveLength(3);
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });
});
