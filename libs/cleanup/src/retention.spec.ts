import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyRetention, type RetentionPolicy } from './retention';

describe('applyRetention (real folders)', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'capstan-retention-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.each<[RetentionPolicy, boolean, boolean]>([
    ['keep', true, false],
    ['keep', false, false],
    ['delete-on-success', true, true],
    ['delete-on-success', false, false],
    ['delete-always', true, true],
    ['delete-always', false, true],
  ])('%s with success=%s deletes: %s', async (policy, succeeded, deleted) => {
    const folder = join(dir, 'task');
    await mkdir(join(folder, 'attempts', '1', 'work'), { recursive: true });
    expect(await applyRetention(folder, policy, succeeded)).toBe(deleted);
    const exists = await stat(folder).then(() => true, () => false);
    expect(exists).toBe(!deleted);
  });
});
