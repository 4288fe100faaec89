import { lstat, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { replaceFileAtomically } from './index';

let folder: string;
beforeEach(async () => {
  folder = await mkdtemp(join(tmpdir(), 'capstan-replace-file-'));
});
afterEach(async () => {
  await rm(folder, { recursive: true, force: true });
});

describe('replaceFileAtomically', () => {
  it('writes a new file and replaces an old one whole, leaving no temporary file', async () => {
    await replaceFileAtomically(folder, 'run.json', 'one');
    await replaceFileAtomically(folder, 'run.json', 'two');
    expect(await readFile(join(folder, 'run.json'), 'utf8')).toBe('two');
    expect(await readdir(folder)).toEqual(['run.json']);
  });

  it('hostile: a symbolic link at the name is replaced, never written through', async () => {
    const victim = join(folder, 'victim');
    await writeFile(victim, 'keep');
    await symlink(victim, join(folder, 'run.json'));
    await replaceFileAtomically(folder, 'run.json', 'record');
    expect(await readFile(victim, 'utf8')).toBe('keep');
    expect((await lstat(join(folder, 'run.json'))).isFile()).toBe(true);
  });

  it('hostile: a name with a slash or ".." is refused', async () => {
    await expect(replaceFileAtomically(folder, '../escape', 'x')).rejects.toThrow(RangeError);
    await expect(replaceFileAtomically(folder, '..', 'x')).rejects.toThrow(RangeError);
  });

  it('fault: a folder that is gone rejects, and nothing is left behind', async () => {
    await expect(replaceFileAtomically(join(folder, 'missing'), 'run.json', 'x')).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await readdir(folder)).toEqual([]);
  });

  it('fault: a folder at the name makes the rename fail and the temporary file is removed', async () => {
    await mkdir(join(folder, 'run.json'));
    await expect(replaceFileAtomically(folder, 'run.json', 'x')).rejects.toMatchObject({ code: 'EISDIR' });
    expect(await readdir(folder)).toEqual(['run.json']);
  });
});
