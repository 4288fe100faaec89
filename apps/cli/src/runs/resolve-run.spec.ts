import { CapstanError, ErrorCode } from '@capstan/core-constraints';
import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveRun } from './resolve-run';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'runs-logs-resolve-'));
  for (const name of ['20261207T010000Z-abc111111111', '20261207T020000Z-abc222222222', '20261207T030000Z-xyz333333333']) await mkdir(join(root, name));
});
afterEach(() => rm(root, { recursive: true, force: true }));

async function failure(ref: string): Promise<CapstanError> {
  const error = await resolveRun(root, ref).then(() => undefined, (caught: unknown) => caught);
  if (!(error instanceof CapstanError)) throw new Error(`expected a CapstanError for ${ref}, got ${String(error)}`);
  return error;
}

describe('resolveRun', () => {
  it('takes a run id, a folder name, a unique prefix of either, or latest', async () => {
    expect((await resolveRun(root, 'abc111111111')).folder).toBe('20261207T010000Z-abc111111111');
    expect((await resolveRun(root, '20261207T020000Z-abc222222222')).runId).toBe('abc222222222');
    expect((await resolveRun(root, 'xy')).runId).toBe('xyz333333333');
    expect((await resolveRun(root, '20261207T01')).runId).toBe('abc111111111');
    await symlink('20261207T020000Z-abc222222222', join(root, 'latest'));
    expect(await resolveRun(root, 'latest')).toEqual({ runId: 'abc222222222', folder: '20261207T020000Z-abc222222222', path: join(root, '20261207T020000Z-abc222222222') });
  });

  it('an ambiguous prefix is a usage error naming every run it matches', async () => {
    const error = await failure('abc');
    expect(error.code).toBe(ErrorCode.Usage);
    expect(error.message).toContain('20261207T010000Z-abc111111111');
    expect(error.message).toContain('20261207T020000Z-abc222222222');
  });

  it('an unknown run is RunNotFound with the nearest ids first', async () => {
    const error = await failure('xyz333333334');
    expect(error.code).toBe(ErrorCode.RunNotFound);
    expect(error.message).toMatch(/nearest run ids: xyz333333333, /);
    expect(error.details).toMatchObject({ nearest: ['xyz333333333', 'abc222222222', 'abc111111111'] });
    expect((await failure('')).code).toBe(ErrorCode.RunNotFound);
  });

  it('hostile: a latest link out of the work root, or to a non-run, is not followed', async () => {
    await symlink('/etc', join(root, 'latest'));
    expect((await failure('latest')).code).toBe(ErrorCode.RunNotFound);
    await rm(join(root, 'latest'));
    await symlink('../20261207T030000Z-xyz333333333', join(root, 'latest'));
    // Only the name beside it counts: this one happens to name a run folder, and that is the one taken, inside the root.
    expect((await resolveRun(root, 'latest')).path).toBe(join(root, '20261207T030000Z-xyz333333333'));
  });

  it('fault: an empty or missing work root says there are no runs', async () => {
    const error = await resolveRun(join(root, 'missing'), 'latest').then(() => undefined, (caught: unknown) => caught as CapstanError);
    expect(error?.message).toContain('there are no runs in this work root');
  });
});
