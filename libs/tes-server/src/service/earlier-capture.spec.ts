import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { earlierCapture } from './earlier-capture';

describe('earlierCapture', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'capstan-earlier-capture-'));
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  const labels = (runId: string, uniqueName = 'tes-x-e0-abcdefghijkl', attempt = '1') => ({
    'io.capstan.run-id': runId,
    'io.capstan.unique-name': uniqueName,
    'io.capstan.attempt': attempt,
  });

  it.each(['20261206T203000Z-aaaaaaaaaaaa', 'aaaaaaaaaaaa'])('finds the capture in a run folder named %s', async (folder) => {
    await mkdir(join(root, folder, 'tes-x-e0-abcdefghijkl', 'attempts', '1'), { recursive: true });
    const found = await earlierCapture(root, labels('aaaaaaaaaaaa'));
    expect(found?.stdoutFile).toBe(join(root, folder, 'tes-x-e0-abcdefghijkl', 'attempts', '1', 'stdout'));
  });

  it('finds nothing for a run id whose folder is missing, or a label that is not a run id, or a link named like a run (hostile)', async () => {
    await mkdir(join(root, '20261206T203000Z-aaaaaaaaaaaa', 'tes-x-e0-abcdefghijkl'), { recursive: true });
    await mkdir(join(root, 'elsewhere', 'tes-x-e0-abcdefghijkl', 'attempts', '1'), { recursive: true });
    await symlink(join(root, 'elsewhere'), join(root, 'bbbbbbbbbbbb'));
    expect(await earlierCapture(root, labels('cccccccccccc'))).toBeUndefined();
    expect(await earlierCapture(root, labels('..'))).toBeUndefined();
    expect(await earlierCapture(root, labels('bbbbbbbbbbbb'))).toBeUndefined();
    expect(await earlierCapture(join(root, 'missing'), labels('aaaaaaaaaaaa'))).toBeUndefined();
  });
});
