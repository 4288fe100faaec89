import { execFileSync } from 'node:child_process';
import { link, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkTaskFile, globTaskFolder } from './index';

// A task made these entries in its own folder; a wildcard must name every one it matches, so the caller can refuse it
// with a warning, and must never follow or open one.
let base: string;
let root: string;
let host: string;
let server: Server | undefined;

beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), 'capstan-glob-task-'));
  root = join(base, 'task');
  host = join(base, 'host');
  await mkdir(join(root, 'sub'), { recursive: true });
  await mkdir(join(host, 'inner'), { recursive: true });
  await writeFile(join(host, 'secret.txt'), 'secret');
  await writeFile(join(host, 'inner', 'deep.txt'), 'deep');
  await writeFile(join(root, 'ok.txt'), 'ok');
  await writeFile(join(root, 'sub', 'nested.txt'), 'nested');
});

afterEach(async () => {
  server?.close();
  server = undefined;
  await rm(base, { recursive: true, force: true });
});

describe('globTaskFolder', () => {
  it('names links (in, out, dangling), FIFOs, sockets and device nodes a pattern matches, beside regular files', async () => {
    await symlink(join(host, 'secret.txt'), join(root, 'secret.txt'));
    await symlink('ok.txt', join(root, 'alias.txt'));
    await symlink('/nonexistent', join(root, 'dangling.txt'));
    execFileSync('mkfifo', [join(root, 'pipe.txt')]);
    execFileSync('mknod', [join(root, 'null.txt'), 'c', '1', '3']);
    server = createServer();
    await new Promise<void>((resolve) => server?.listen(join(root, 'socket.txt'), resolve));
    await link(join(root, 'ok.txt'), join(root, 'hard.txt'));
    expect(await globTaskFolder(root, '*.txt')).toEqual(['alias.txt', 'dangling.txt', 'hard.txt', 'null.txt', 'ok.txt', 'pipe.txt', 'secret.txt', 'socket.txt']);
    const refused = await Promise.all((await globTaskFolder(root, '*.txt')).map(async (path) => [path, (await checkTaskFile(root, path))?.message ?? 'regular'] as const));
    expect(refused.filter(([, why]) => why === 'regular').map(([path]) => path)).toEqual(['hard.txt', 'ok.txt']);
    for (const [path, why] of refused.filter(([, reason]) => reason !== 'regular')) expect(why).toContain(path);
  });

  it('never enters a link to a folder while walking; a pattern through one names matches the check refuses', async () => {
    await symlink(host, join(root, 'hostdir'));
    expect(await globTaskFolder(root, '**/*.txt')).toEqual(['ok.txt', 'sub/nested.txt']);
    expect(await globTaskFolder(root, '*')).toEqual(['hostdir', 'ok.txt']);
    expect((await checkTaskFile(root, 'hostdir'))?.message).toContain('hostdir');
    expect(await globTaskFolder(root, 'hostdir/**')).toEqual(['hostdir']);
    // A static prefix is where tinyglobby starts: the names behind the link are listed, and every one is refused.
    const through = await globTaskFolder(root, 'hostdir/*.txt');
    expect(through).toEqual(['hostdir/secret.txt']);
    for (const path of through) expect((await checkTaskFile(root, path))?.message).toContain(path);
  });

  it('never opens a FIFO it matches (a read would block the process)', async () => {
    execFileSync('mkfifo', [join(root, 'wait.txt')]);
    // If anything opened it for reading this would hang until jest's timeout.
    expect(await globTaskFolder(root, 'wait.*')).toEqual(['wait.txt']);
    expect(await readFile(join(host, 'secret.txt'), 'utf8')).toBe('secret');
  }, 5_000);

  it('keeps tinyglobby\'s matching: dot files, nested globstars, braces', async () => {
    await writeFile(join(root, '.hidden.txt'), 'h');
    await writeFile(join(root, 'sub', 'other.md'), 'm');
    expect(await globTaskFolder(root, '**/*.{txt,md}')).toEqual(['.hidden.txt', 'ok.txt', 'sub/nested.txt', 'sub/other.md']);
    expect(await globTaskFolder(root, 'missing/*')).toEqual([]);
  });
});
