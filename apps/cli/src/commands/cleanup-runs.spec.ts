import { mkdir, mkdtemp, readdir, rm, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanupRuns, parseAge } from './cleanup-runs';

describe('capstan cleanup --runs', () => {
  it('reads ages in minutes, hours and days, and refuses anything else naming the flag', () => {
    expect(parseAge('7d')).toBe(7 * 86_400_000);
    expect(parseAge('12h')).toBe(12 * 3_600_000);
    expect(parseAge('30m')).toBe(30 * 60_000);
    for (const bad of ['7', '0d', '-1d', '1.5d', '7 d', '1w', '9999999d']) expect(() => parseAge(bad)).toThrow(/--older-than/);
  });

  it('prints what it removed and skipped, and keeps a dry run harmless', async () => {
    const root = await mkdtemp(join(tmpdir(), 'capstan-cleanup-runs-'));
    try {
      const old = new Date(Date.now() - 30 * 86_400_000);
      const run = join(root, 'aaaaaaaaaaaa');
      await mkdir(join(run, 'hello-abcdefghijkl', 'attempts'), { recursive: true });
      for (const path of [join(run, 'hello-abcdefghijkl', 'attempts'), join(run, 'hello-abcdefghijkl'), run]) await utimes(path, old, old);
      await mkdir(join(root, 'not-a-run'));
      const lines: string[] = [];
      const io = { stdout: (text: string) => lines.push(text), stderr: (text: string) => lines.push(text) };
      expect(await cleanupRuns(root, 86_400_000, { dryRun: true, json: false }, io)).toBe(0);
      expect(lines.join('')).toContain(`would remove ${run}`);
      expect(await readdir(root)).toHaveLength(2);
      lines.length = 0;
      await cleanupRuns(root, 86_400_000, { dryRun: false, json: false }, io);
      expect(lines.join('')).toMatch(new RegExp(`removed ${run}\\n[^]*skipped ${join(root, 'not-a-run')}: not named like a Capstan run folder`));
      expect(await readdir(root)).toEqual(['not-a-run']);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
