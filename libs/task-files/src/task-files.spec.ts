import { CapstanError, ErrorCode } from '@capstan/core-constraints';
import { execFileSync } from 'node:child_process';
import { renameSync, symlinkSync } from 'node:fs';
import { link, mkdir, mkdtemp, readFile, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkTaskFile, openTaskFile, readTaskFileTail, removeTaskTree, visitTaskFolder, walkTaskFolder } from './index';

const SECRET = 'host-secret-do-not-leak\n';

let base: string;
let root: string;
let secretFile: string;
let secretFolder: string;
const servers: Server[] = [];

beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), 'capstan-task-files-'));
  root = join(base, 'task');
  secretFolder = join(base, 'host');
  secretFile = join(secretFolder, 'secret');
  await mkdir(join(root, 'out', 'deep'), { recursive: true });
  await mkdir(secretFolder);
  await writeFile(secretFile, SECRET);
  await writeFile(join(root, 'out', 'a.txt'), 'line1\nline2\nline3\n');
  await writeFile(join(root, 'out', 'deep', 'b.txt'), 'b');
});

afterEach(async () => {
  for (const server of servers.splice(0)) server.close();
  await rm(base, { recursive: true, force: true });
});

async function refusal(promise: Promise<unknown>): Promise<CapstanError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(error instanceof CapstanError)) throw new Error(`expected a CapstanError, got ${String(error)}`);
  expect(error.code).toBe(ErrorCode.TaskFileRefused);
  return error;
}

async function listenOn(path: string): Promise<void> {
  const server = createServer();
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(path, resolve));
}

async function secretUntouched(): Promise<void> {
  expect(await readFile(secretFile, 'utf8')).toBe(SECRET);
}

describe('readTaskFileTail', () => {
  it('reads a regular file, bounded to the tail from the first whole line', async () => {
    expect(await readTaskFileTail(root, 'out/a.txt', 100)).toBe('line1\nline2\nline3\n');
    expect(await readTaskFileTail(root, '/out/a.txt', 8)).toBe('line3\n');
    expect(await readTaskFileTail(root, 'out/a.txt', 0)).toBe('');
  });

  it('refuses a symbolic link to a host file, naming the path and the reason', async () => {
    await symlink(secretFile, join(root, 'out', 'stderr'));
    const error = await refusal(readTaskFileTail(root, 'out/stderr', 1000));
    expect(error.message).toContain('"out/stderr"');
    expect(error.message).toContain('symbolic link');
    expect(error.details).toMatchObject({ value: 'out/stderr', reason: 'symlink' });
  });

  it('refuses /etc/shadow through a link, even as the final component of a relative link', async () => {
    await symlink('../../../../../../../../etc/shadow', join(root, 'out', 'stdout'));
    expect((await refusal(readTaskFileTail(root, 'out/stdout', 1000))).details['reason']).toBe('symlink');
  });

  it('refuses a path whose folder is a link out of the task folder', async () => {
    await symlink(secretFolder, join(root, 'escape'));
    expect((await refusal(readTaskFileTail(root, 'escape/secret', 1000))).details['reason']).toBe('outside');
  });

  it('follows a folder link that stays inside the task folder', async () => {
    await symlink('out', join(root, 'alias'));
    expect(await readTaskFileTail(root, 'alias/deep/b.txt', 10)).toBe('b');
  });

  it('refuses ".." that climbs out, before touching the disk', async () => {
    expect((await refusal(readTaskFileTail(root, 'out/../../host/secret', 1000))).details['reason']).toBe('parent');
    expect((await refusal(readTaskFileTail(root, '..', 1000))).details['reason']).toBe('parent');
    expect((await refusal(readTaskFileTail(root, 'out/a\0', 1000))).details['reason']).toBe('parent');
  });

  it('refuses a FIFO at once, without blocking on it', async () => {
    execFileSync('mkfifo', [join(root, 'out', 'fifo')]);
    const started = Date.now();
    expect((await refusal(readTaskFileTail(root, 'out/fifo', 1000))).details['reason']).toBe('fifo');
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('refuses a UNIX socket', async () => {
    await listenOn(join(root, 'out', 'sock'));
    expect((await refusal(readTaskFileTail(root, 'out/sock', 1000))).details['reason']).toBe('socket');
  });

  it('refuses a device node (a copy of /dev/null made with mknod)', async () => {
    execFileSync('mknod', [join(root, 'out', 'null'), 'c', '1', '3']);
    expect((await refusal(readTaskFileTail(root, 'out/null', 1000))).details['reason']).toBe('device');
  });

  it('refuses a folder, and rejects a missing file with ENOENT (the caller decides what missing means)', async () => {
    expect((await refusal(readTaskFileTail(root, 'out', 1000))).details['reason']).toBe('not-a-file');
    await expect(readTaskFileTail(root, 'out/none', 1000)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('refuses a dangling link as a link', async () => {
    await symlink(join(base, 'nothing-here'), join(root, 'out', 'dangling'));
    expect((await refusal(readTaskFileTail(root, 'out/dangling', 1000))).details['reason']).toBe('symlink');
  });

  it('reads a hard link inside the folder (its content is the task\'s own)', async () => {
    await link(join(root, 'out', 'a.txt'), join(root, 'out', 'hard'));
    expect(await readTaskFileTail(root, 'out/hard', 6)).toBe('line3\n');
  });

  it('never returns host content while the task races a folder against a link to the host', async () => {
    await mkdir(join(root, 'race'));
    await writeFile(join(root, 'race', 'secret'), 'task-owned\n');
    let running = true;
    const swapper = (async (): Promise<number> => {
      let swaps = 0;
      while (running) {
        await rename(join(root, 'race'), join(root, 'race-real'));
        await symlink(secretFolder, join(root, 'race'));
        await new Promise((resolve) => setImmediate(resolve));
        await rm(join(root, 'race'));
        await rename(join(root, 'race-real'), join(root, 'race'));
        swaps += 1;
      }
      return swaps;
    })();
    const seen = new Set<string>();
    for (let i = 0; i < 300; i += 1) {
      seen.add(await readTaskFileTail(root, 'race/secret', 1000).catch((error: unknown) => (error instanceof CapstanError ? `refused:${String(error.details['reason'])}` : 'fs-error')));
    }
    running = false;
    expect(await swapper).toBeGreaterThan(0);
    expect(seen.has(SECRET)).toBe(false);
    expect(seen.has('task-owned\n')).toBe(true);
    expect(seen.has('refused:outside')).toBe(true);
  });
});

describe('openTaskFile', () => {
  it('gives a readable handle of the checked file', async () => {
    const handle = await openTaskFile(root, 'out/deep/b.txt');
    try {
      expect((await handle.readFile()).toString()).toBe('b');
    } finally {
      await handle.close();
    }
  });
});

describe('checkTaskFile', () => {
  it('passes a regular or missing file and names every refusal, opening nothing', async () => {
    execFileSync('mkfifo', [join(root, 'out', 'fifo')]);
    await symlink(secretFile, join(root, 'out', 'link'));
    expect(await checkTaskFile(root, 'out/a.txt')).toBeUndefined();
    expect(await checkTaskFile(root, 'out/missing')).toBeUndefined();
    expect((await checkTaskFile(root, 'out/fifo'))?.details).toMatchObject({ value: 'out/fifo', reason: 'fifo' });
    expect((await checkTaskFile(root, 'out/link'))?.details).toMatchObject({ value: 'out/link', reason: 'symlink' });
    expect((await checkTaskFile(root, '../x'))?.details).toMatchObject({ reason: 'parent' });
  });
});

describe('walkTaskFolder', () => {
  it('lists regular files and folders, and reports links in and out, FIFOs, sockets and devices as refused', async () => {
    await symlink(secretFile, join(root, 'out', 'to-host'));
    await symlink('a.txt', join(root, 'out', 'to-inside'));
    await symlink(secretFolder, join(root, 'out', 'host-folder'));
    execFileSync('mkfifo', [join(root, 'out', 'fifo')]);
    execFileSync('mknod', [join(root, 'out', 'null'), 'c', '1', '3']);
    await listenOn(join(root, 'out', 'sock'));
    const tree = await walkTaskFolder(root);
    expect(tree.files.map((file) => file.path)).toEqual(['out/a.txt', 'out/deep/b.txt']);
    expect(tree.folders).toEqual(['out', 'out/deep']);
    expect(tree.refused.map((error) => [error.details['value'], error.details['reason']]).sort()).toEqual([
      ['out/fifo', 'fifo'],
      ['out/host-folder', 'symlink'],
      ['out/null', 'device'],
      ['out/sock', 'socket'],
      ['out/to-host', 'symlink'],
      ['out/to-inside', 'symlink'],
    ]);
  });

  it('walks from a subfolder, and refuses to start at a link out', async () => {
    expect((await walkTaskFolder(root, 'out/deep')).files.map((file) => file.path)).toEqual(['out/deep/b.txt']);
    await symlink(secretFolder, join(root, 'away'));
    expect((await refusal(walkTaskFolder(root, 'away'))).details['reason']).toBe('symlink');
    expect((await refusal(walkTaskFolder(root, 'away/secret'))).details['reason']).toBe('outside');
    expect((await refusal(walkTaskFolder(root, '../host'))).details['reason']).toBe('parent');
  });

  it('never enters a folder the task swaps for a link to the host between its listing and the descent', async () => {
    await writeFile(join(secretFolder, 'host-only'), 'x');
    const seen: string[] = [];
    await visitTaskFolder(root, '', (relative) => {
      seen.push(relative);
      if (relative === 'out/deep') {
        // The swap happens exactly in the window a path-based walk (lstat, then readdir by path) would race.
        renameSync(join(root, 'out', 'deep'), join(root, 'out', 'deep-moved'));
        symlinkSync(secretFolder, join(root, 'out', 'deep'));
      }
    });
    expect(seen.filter((path) => path.includes('host-only') || path.includes('secret'))).toEqual([]);
    await secretUntouched();
  });

  it('reports the link count of hard links', async () => {
    await link(join(root, 'out', 'a.txt'), join(root, 'out', 'hard'));
    expect((await walkTaskFolder(root, 'out')).files.find((file) => file.path === 'out/hard')?.nlink).toBe(2);
  });
});

describe('removeTaskTree', () => {
  it('deletes the folder with links removed as links: their targets, in or out, stay', async () => {
    await symlink(secretFile, join(root, 'out', 'to-host'));
    await symlink(secretFolder, join(root, 'out', 'host-folder'));
    await link(secretFile, join(root, 'out', 'hard-to-host'));
    execFileSync('mkfifo', [join(root, 'out', 'fifo')]);
    await removeTaskTree(root);
    await expect(stat(root)).rejects.toMatchObject({ code: 'ENOENT' });
    await secretUntouched();
    expect((await stat(secretFile)).nlink).toBe(1);
  });

  it('deletes one path only, and a missing one quietly', async () => {
    await removeTaskTree(root, 'out/deep');
    await expect(stat(join(root, 'out', 'deep'))).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await readFile(join(root, 'out', 'a.txt'), 'utf8')).toContain('line1');
    await removeTaskTree(root, 'out/none');
    await removeTaskTree(join(base, 'no-such-root'));
  });

  it('refuses to delete through a folder link out of the task folder, or with ".."', async () => {
    await symlink(secretFolder, join(root, 'away'));
    expect((await refusal(removeTaskTree(root, 'away/secret'))).details).toMatchObject({ value: 'away', reason: 'symlink' });
    expect((await refusal(removeTaskTree(root, 'away/secret/x'))).details).toMatchObject({ value: 'away/secret', reason: 'outside' });
    expect((await refusal(removeTaskTree(root, '../host'))).details['reason']).toBe('parent');
    await secretUntouched();
    await removeTaskTree(root, 'away');
    await secretUntouched();
  });

  it('never deletes host files while the task races a folder against a link to the host', async () => {
    for (let i = 0; i < 50; i += 1) await writeFile(join(root, 'out', 'deep', `f${i}`), 'x');
    for (let i = 0; i < 50; i += 1) await writeFile(join(secretFolder, `f${i}`), 'keep');
    let running = true;
    const swapper = (async (): Promise<void> => {
      while (running) {
        await rename(join(root, 'out', 'deep'), join(root, 'out', 'deep-real')).catch(() => undefined);
        await symlink(secretFolder, join(root, 'out', 'deep')).catch(() => undefined);
        await new Promise((resolve) => setImmediate(resolve));
        await rm(join(root, 'out', 'deep'), { force: true }).catch(() => undefined);
        await rename(join(root, 'out', 'deep-real'), join(root, 'out', 'deep')).catch(() => undefined);
      }
    })();
    for (let i = 0; i < 5; i += 1) await removeTaskTree(root, 'out/deep').catch(() => undefined);
    running = false;
    await swapper;
    await secretUntouched();
    for (let i = 0; i < 50; i += 1) expect(await readFile(join(secretFolder, `f${i}`), 'utf8')).toBe('keep');
  });
});
