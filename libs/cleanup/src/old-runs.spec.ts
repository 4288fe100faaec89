import { mkdir, mkdtemp, readdir, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeOldRuns } from './old-runs';

const DAY = 24 * 3600 * 1000;

describe('removeOldRuns', () => {
  let root: string;
  let outside: string;
  const now = new Date();
  const old = new Date(now.getTime() - 10 * DAY);

  async function runFolder(runId: string, age: Date, task = 'align-reads-abcdefghijkl'): Promise<string> {
    const run = join(root, runId);
    await mkdir(join(run, task, 'attempts', '1'), { recursive: true });
    await writeFile(join(run, task, 'attempts', '1', 'stdout'), 'x');
    for (const path of [join(run, task, 'attempts'), join(run, task), run]) await utimes(path, age, age);
    return run;
  }

  beforeEach(async () => {
    const base = await mkdtemp(join(tmpdir(), 'capstan-old-runs-'));
    root = join(base, 'runs');
    outside = join(base, 'outside');
    await mkdir(root);
    await mkdir(outside);
    await writeFile(join(outside, 'precious'), 'keep me');
  });
  afterEach(async () => {
    await rm(join(root, '..'), { recursive: true, force: true });
  });

  it('removes run folders older than the limit and keeps younger ones', async () => {
    const stale = await runFolder('aaaaaaaaaaaa', old);
    await runFolder('bbbbbbbbbbbb', now);
    const report = await removeOldRuns(root, { olderThanMs: 7 * DAY, now });
    expect(report).toEqual({ removed: [stale], skipped: [], kept: 1 });
    expect(await readdir(root)).toEqual(['bbbbbbbbbbbb']);
  });

  it('deletes nothing in a dry run', async () => {
    const stale = await runFolder('aaaaaaaaaaaa', old);
    expect((await removeOldRuns(root, { olderThanMs: 7 * DAY, now, dryRun: true })).removed).toEqual([stale]);
    expect(await readdir(root)).toEqual(['aaaaaaaaaaaa']);
  });

  it('never follows a link named like a run, and never deletes what Capstan does not make (hostile)', async () => {
    await symlink(outside, join(root, 'cccccccccccc'));
    const odd = await runFolder('dddddddddddd', old);
    await writeFile(join(odd, 'notes.txt'), 'mine');
    await mkdir(join(root, 'my-data'));
    const report = await removeOldRuns(root, { olderThanMs: 0, now });
    expect(report.removed).toEqual([]);
    expect(report.skipped.map((item) => [item.path.split('/').pop(), item.reason])).toEqual(
      expect.arrayContaining([
        ['cccccccccccc', expect.stringContaining('symbolic link')],
        ['dddddddddddd', expect.stringContaining('notes.txt')],
        ['my-data', expect.stringContaining('not named like a Capstan run id')],
      ]),
    );
    expect(await readdir(outside)).toEqual(['precious']);
  });

  it('gives an empty report for a work root that does not exist, and fails for one it cannot read (fault)', async () => {
    expect(await removeOldRuns(join(root, 'missing'), { olderThanMs: 0 })).toEqual({ removed: [], skipped: [], kept: 0 });
    await writeFile(join(root, 'file'), '');
    await expect(removeOldRuns(join(root, 'file'), { olderThanMs: 0 })).rejects.toThrow(/ENOTDIR/);
  });
});
