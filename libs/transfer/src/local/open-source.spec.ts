import { CapstanError, ErrorCode } from '@capstan/core-constraints';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSourceFile } from './open-source';

let base: string;
let task: string;

beforeEach(async () => {
  base = await realpath(await mkdtemp(join(tmpdir(), 'capstan-open-source-')));
  task = join(base, 'task');
  await mkdir(join(task, 'out'), { recursive: true });
  await mkdir(join(base, 'host'));
  await writeFile(join(base, 'host', 'secret'), 'host secret');
  await writeFile(join(task, 'out', 'ok'), 'ok');
});

afterEach(() => rm(base, { recursive: true, force: true }));

describe('openSourceFile', () => {
  it('opens a listed regular file under its root', async () => {
    const handle = await openSourceFile(join(task, 'out', 'ok'), [task]);
    try {
      expect((await handle.readFile()).toString()).toBe('ok');
    } finally {
      await handle.close();
    }
  });

  it('refuses a listed path whose folder became a link out of the root since the listing', async () => {
    await rm(join(task, 'out'), { recursive: true });
    await symlink(join(base, 'host'), join(task, 'out'));
    await expect(openSourceFile(join(task, 'out', 'secret'), [task])).rejects.toMatchObject({ code: ErrorCode.TaskFileRefused, details: { reason: 'outside' } });
  });

  it('refuses at once a listed file that became a FIFO, under a root or not (no hang)', async () => {
    execFileSync('mkfifo', [join(task, 'out', 'fifo'), join(base, 'host', 'fifo')]);
    const error = await openSourceFile(join(task, 'out', 'fifo'), [task]).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CapstanError);
    expect((error as CapstanError).details['reason']).toBe('fifo');
    await expect(openSourceFile(join(base, 'host', 'fifo'), [task])).rejects.toMatchObject({ code: 'EINVAL' });
  });
});
