import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { matchGuestPaths } from './match-guest-paths';

describe('matchGuestPaths (a TES wildcard output in a hostile task folder)', () => {
  it('uploads regular files only, and names every link, FIFO and device the wildcard matches in a system log', async () => {
    const base = await mkdtemp(join(tmpdir(), 'capstan-match-guest-'));
    try {
      const out = join(base, 'root', 'out');
      const secret = join(base, 'secret.txt');
      await mkdir(out, { recursive: true });
      await writeFile(secret, 'host secret');
      await writeFile(join(out, 'real.txt'), 'mine');
      await symlink(secret, join(out, 'shadow.txt'));
      execFileSync('mkfifo', [join(out, 'pipe.txt')]);
      execFileSync('mknod', [join(out, 'null.txt'), 'c', '1', '3']);
      const warnings: string[] = [];
      expect(await matchGuestPaths(join(base, 'root'), '/out/*.txt', (message) => warnings.push(message))).toEqual(['/out/real.txt']);
      expect(warnings).toHaveLength(3);
      for (const name of ['null.txt', 'pipe.txt', 'shadow.txt']) expect(warnings).toContainEqual(expect.stringContaining(`out/${name}`));
      expect(warnings.every((message) => message.endsWith('; not uploaded'))).toBe(true);
      expect(await readFile(secret, 'utf8')).toBe('host secret');
    } finally {
      await rm(base, { recursive: true, force: true });
    }
  });
});
