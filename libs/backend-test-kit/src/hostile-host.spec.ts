import { mkdtemp, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hostChanges, type HostFixture, makeHostFixture } from './hostile-host';

describe('hostChanges (the host fixture a hostile task aims at)', () => {
  let base: string;
  let host: HostFixture;
  beforeEach(async () => {
    base = await mkdtemp(join(tmpdir(), 'capstan-host-fixture-'));
    host = await makeHostFixture(base);
  });
  afterEach(() => rm(base, { recursive: true, force: true }));

  it('is empty for an untouched fixture', async () => {
    expect(await hostChanges(host)).toEqual([]);
  });

  it.each([
    ['a changed secret', (h: HostFixture) => writeFile(h.secretFile, 'leaked'), 'content changed'],
    ['a file added beside it', (h: HostFixture) => writeFile(join(h.folder, 'planted'), 'x'), 'holds inner,planted,secret.txt'],
    ['the secret swapped for a link', async (h: HostFixture) => {
      await unlink(h.secretFile);
      await symlink('/etc/hostname', h.secretFile);
    }, 'content changed'],
    ['the inner file removed', (h: HostFixture) => rm(join(h.folder, 'inner', 'keep.txt')), 'inner: holds '],
    ['the inner folder removed', (h: HostFixture) => rm(join(h.folder, 'inner'), { recursive: true }), 'holds secret.txt'],
  ])('reports %s', async (_what, change, expected) => {
    await change(host);
    expect((await hostChanges(host)).join('\n')).toContain(expected);
  });
});
