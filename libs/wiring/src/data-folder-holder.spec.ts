import { mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dataFolderHolder, HOLDER_ID_FILE } from './data-folder-holder';

describe('dataFolderHolder', () => {
  let folder: string;
  beforeEach(async () => {
    folder = await mkdtemp(join(tmpdir(), 'capstan-holder-'));
  });
  afterEach(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it('makes an id on first use (file 0600) and gives the same one on every later start', async () => {
    const data = join(folder, 'data');
    const first = dataFolderHolder(data);
    expect(first).toEqual({ id: expect.stringMatching(/^[a-z0-9]{24}$/), folder: data });
    expect((await stat(join(data, HOLDER_ID_FILE))).mode & 0o777).toBe(0o600);
    expect(dataFolderHolder(data)).toEqual(first);
  });

  it('refuses a holder-id file that is a symbolic link (hostile: adopting another folder’s containers)', async () => {
    const elsewhere = join(folder, 'other-id');
    await writeFile(elsewhere, 'abcdefghijklmnopqrstuvwx\n');
    await symlink(elsewhere, join(folder, HOLDER_ID_FILE));
    expect(() => dataFolderHolder(folder)).toThrow(/symbolic link/);
  });

  it('refuses a damaged holder-id file, naming the file and what to check before deleting it (fault)', async () => {
    await writeFile(join(folder, HOLDER_ID_FILE), 'not an id\n');
    expect(() => dataFolderHolder(folder)).toThrow(new RegExp(`${HOLDER_ID_FILE} holds "not an id"`));
    expect(await readFile(join(folder, HOLDER_ID_FILE), 'utf8')).toBe('not an id\n');
  });
});
