import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { matchGuestPaths } from './match-guest-paths';

let base: string;
let root: string;

beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), 'capstan-match-guest-'));
  root = join(base, 'root');
  await mkdir(join(root, 'out'), { recursive: true });
  await mkdir(join(base, 'host'));
  await writeFile(join(base, 'host', 'secret.txt'), 'host secret');
  await writeFile(join(root, 'out', 'real.txt'), 'mine');
});

afterEach(() => rm(base, { recursive: true, force: true }));

describe('matchGuestPaths (a TES wildcard output in a hostile task folder)', () => {
  it('uploads regular files only, and names every link, FIFO and device the wildcard matches in a system log', async () => {
    await symlink(join(base, 'host', 'secret.txt'), join(root, 'out', 'shadow.txt'));
    execFileSync('mkfifo', [join(root, 'out', 'pipe.txt')]);
    execFileSync('mknod', [join(root, 'out', 'null.txt'), 'c', '1', '3']);
    const warnings: string[] = [];
    const kept = await matchGuestPaths(root, '/out/*.txt', (message) => warnings.push(message));
    expect(kept).toEqual(['/out/real.txt']);
    expect(warnings).toHaveLength(3);
    for (const name of ['null.txt', 'pipe.txt', 'shadow.txt']) expect(warnings).toContainEqual(expect.stringContaining(`out/${name}`));
    expect(warnings.every((message) => message.endsWith('; not uploaded'))).toBe(true);
    expect(await readFile(join(base, 'host', 'secret.txt'), 'utf8')).toBe('host secret');
  });
});
