import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { containerUser, effectiveIdentity, grantFolderAccess, grantFolderAccessTo } from './container-user';

describe('containerUser', () => {
  it('runs as the invoking user when Capstan is not root, as the image’s user when it is', () => {
    expect(containerUser('auto', { uid: 1000, gid: 100 })).toBe('1000:100');
    expect(containerUser('auto', { uid: 0, gid: 0 })).toBeUndefined();
    expect(containerUser('root', { uid: 1000, gid: 100 })).toBe('0:0');
    expect(containerUser('2000:3000', { uid: 0, gid: 0 })).toBe('2000:3000');
  });
});

describe('effectiveIdentity', () => {
  it.each([
    [undefined, '', { uid: 0, gid: 0 }],
    [undefined, 'root', { uid: 0, gid: 0 }],
    [undefined, '1000', { uid: 1000, gid: 1000 }],
    [undefined, 'root:wheel', { uid: 0, gid: 0 }],
    [undefined, 'capstan', null],
    ['5:6', 'capstan', { uid: 5, gid: 6 }],
  ])('user %s with image user %j', (user, imageUser, expected) => {
    expect(effectiveIdentity(user, imageUser)).toEqual(expected);
  });
});

describe('grantFolderAccess', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'capstan-access-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const me = { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };

  it('changes nothing for root or the folder’s own user', async () => {
    const before = await stat(dir);
    await grantFolderAccess([dir], '0:0', '', me);
    await grantFolderAccess([dir], `${me.uid}:${me.gid}`, '', me);
    expect((await stat(dir)).mode).toBe(before.mode);
  });

  it('opens the folder to a user known only by name', async () => {
    await grantFolderAccess([dir], undefined, 'capstan', me);
    expect((await stat(dir)).mode & 0o777).toBe(0o777);
  });

  (me.uid === 0 ? it : it.skip)('as root, gives the folder to another numeric user', async () => {
    await grantFolderAccess([dir], '1234:5678', '', me);
    const info = await stat(dir);
    expect([info.uid, info.gid]).toEqual([1234, 5678]);
  });

  it('takes a host identity known otherwise (a user namespace), and opens the folder when it is unknown', async () => {
    const before = await stat(dir);
    await grantFolderAccessTo([dir], me, me);
    expect((await stat(dir)).mode).toBe(before.mode);
    await grantFolderAccessTo([dir], null, me);
    expect((await stat(dir)).mode & 0o777).toBe(0o777);
  });
});
