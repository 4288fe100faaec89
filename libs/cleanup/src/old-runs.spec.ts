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

  it('finds old run folders in both namings, with their published outputs, and drops a latest link left dangling', async () => {
    const bare = await runFolder('aaaaaaaaaaaa', old);
    const stamped = await runFolder('20261120T101500Z-eeeeeeeeeeee', old);
    await mkdir(join(stamped, 'outputs', 'align-reads'), { recursive: true });
    await writeFile(join(stamped, 'outputs', 'outputs.json'), '{}');
    await utimes(join(stamped, 'outputs'), old, old);
    await utimes(stamped, old, old);
    const young = await runFolder('20261206T101500Z-ffffffffffff', now);
    await symlink('20261120T101500Z-eeeeeeeeeeee', join(root, 'latest'));
    const report = await removeOldRuns(root, { olderThanMs: 7 * DAY, now });
    expect([...report.removed].sort()).toEqual([stamped, bare]);
    expect(report.kept).toBe(1);
    expect(await readdir(root)).toEqual([young.split('/').pop()]);
  });

  it('keeps a latest link that points at a run it kept, and a run whose outputs folder is a link (hostile)', async () => {
    const kept = await runFolder('20261206T101500Z-ffffffffffff', now);
    await symlink(kept.split('/').pop() as string, join(root, 'latest'));
    const linked = await runFolder('20261120T101500Z-eeeeeeeeeeee', old);
    await symlink(outside, join(linked, 'outputs'));
    await utimes(linked, old, old);
    const report = await removeOldRuns(root, { olderThanMs: 7 * DAY, now });
    expect(report.removed).toEqual([]);
    expect(report.skipped.map((item) => [item.path.split('/').pop(), item.reason])).toEqual(
      expect.arrayContaining([
        ['latest', 'the link to the latest run: left alone'],
        ['20261120T101500Z-eeeeeeeeeeee', expect.stringContaining('"outputs"')],
      ]),
    );
    expect((await readdir(root)).sort()).toEqual(['20261120T101500Z-eeeeeeeeeeee', '20261206T101500Z-ffffffffffff', 'latest']);
    expect(await readdir(outside)).toEqual(['precious']);
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
        ['my-data', expect.stringContaining('not named like a Capstan run folder')],
      ]),
    );
    expect(await readdir(outside)).toEqual(['precious']);
  });

  it('removes a run folder with capstan run\'s run.json, trace.tsv and report.html (and a temporary one a killed write left); run.json as a link or folder is not Capstan\'s', async () => {
    const recorded = await runFolder('eeeeeeeeeeee', old);
    const files = ['run.json', '.run.json.0123456789ab.tmp', 'trace.tsv', 'report.html', '.report.html.0123456789ab.tmp'];
    for (const name of files) await writeFile(join(recorded, name), '{');
    for (const path of [...files.map((name) => join(recorded, name)), recorded]) await utimes(path, old, old);
    const linked = await runFolder('ffffffffffff', old);
    await symlink(join(outside, 'precious'), join(linked, 'run.json'));
    const folder = await runFolder('gggggggggggg', old);
    await mkdir(join(folder, 'run.json'));
    const report = await removeOldRuns(root, { olderThanMs: 7 * DAY, now });
    expect(report.removed).toEqual([recorded]);
    expect(report.skipped.map((item) => [item.path.split('/').pop(), item.reason])).toEqual([
      ['ffffffffffff', expect.stringContaining('"run.json"')],
      ['gggggggggggg', expect.stringContaining('"run.json"')],
    ]);
    expect(await readdir(outside)).toEqual(['precious']);
  });

  it('gives an empty report for a work root that does not exist, and fails for one it cannot read (fault)', async () => {
    expect(await removeOldRuns(join(root, 'missing'), { olderThanMs: 0 })).toEqual({ removed: [], skipped: [], kept: 0 });
    await writeFile(join(root, 'file'), '');
    await expect(removeOldRuns(join(root, 'file'), { olderThanMs: 0 })).rejects.toThrow(/ENOTDIR/);
  });
});
