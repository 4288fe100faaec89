import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectOutputs } from './collect-outputs';

const required = (pattern: string, name = pattern) => ({ name, pattern, optional: false });

let base: string;
let work: string;

beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), 'capstan-collect-'));
  work = join(base, 'work');
  await mkdir(join(base, 'host'), { recursive: true });
  await mkdir(work);
  await writeFile(join(base, 'host', 'secret.txt'), 'host secret');
  await writeFile(join(work, 'real.txt'), 'mine');
});

afterEach(() => rm(base, { recursive: true, force: true }));

describe('collectOutputs (hostile work dir)', () => {
  it('collects regular files only, and names in a warning every link, FIFO and device a wildcard matches (never followed or opened)', async () => {
    await symlink(join(base, 'host', 'secret.txt'), join(work, 'shadow.txt'));
    await symlink('real.txt', join(work, 'alias.txt'));
    execFileSync('mkfifo', [join(work, 'pipe.txt')]);
    execFileSync('mknod', [join(work, 'null.txt'), 'c', '1', '3']);
    const collected = await collectOutputs(work, [required('*.txt')]);
    expect(collected.files.map((file) => [file.path, file.sizeBytes])).toEqual([['real.txt', 4]]);
    expect(await readFile(join(base, 'host', 'secret.txt'), 'utf8')).toBe('host secret');
    // tinyglobby alone dropped these silently
    expect(collected.warnings).toHaveLength(4);
    for (const name of ['alias.txt', 'null.txt', 'pipe.txt', 'shadow.txt']) {
      expect(collected.warnings).toContainEqual(expect.stringMatching(new RegExp(`^outputs: .*"${name.replace('.', '\\.')}".*; not collected$`)));
    }
  });

  it('a pattern that matches only a link warns about the link, not that it matched nothing', async () => {
    await symlink(join(base, 'host', 'secret.txt'), join(work, 'secret.out'));
    const collected = await collectOutputs(work, [required('secret.out')]);
    expect(collected.files).toEqual([]);
    expect(collected.warnings).toEqual([expect.stringContaining('"secret.out"')]);
    expect(collected.warnings[0]).not.toContain('matched no file');
  });

  it('refuses, with a warning naming it, a match reached through a folder link out of the work dir', async () => {
    await symlink(join(base, 'host'), join(work, 'hostdir'));
    const collected = await collectOutputs(work, [required('hostdir/*.txt', 'x')]);
    expect(collected.files).toEqual([]);
    expect(collected.warnings).toEqual([expect.stringContaining('"hostdir/secret.txt"')]);
    expect(collected.warnings[0]).toContain('leads through a symbolic link out of the folder');
    expect(collected.missing).toEqual([required('hostdir/*.txt', 'x')]);
  });

  it('does not count a refused match: a required output that only a link or FIFO matched is missing', async () => {
    await symlink(join(base, 'host', 'secret.txt'), join(work, 'result.bam'));
    execFileSync('mkfifo', [join(work, 'pipe.log')]);
    const collected = await collectOutputs(work, [required('*.bam', 'bam'), { name: 'log', pattern: 'pipe.log', optional: true }]);
    expect(collected.files).toEqual([]);
    expect(collected.missing.map((output) => output.name)).toEqual(['bam']);
    expect(collected.warnings).toEqual([
      expect.stringContaining('"result.bam" (in'),
      expect.stringContaining('"pipe.log" (in'),
      'outputs: optional output log ("pipe.log") matched no file in the work dir',
    ]);
  });
});

describe('collectOutputs (named and optional outputs)', () => {
  it('names each file by the output that matched it first, and lists a file once', async () => {
    await writeFile(join(work, 'b.txt'), 'bb');
    const collected = await collectOutputs(work, [required('real.txt', 'main'), required('*.txt', 'all')]);
    expect(collected.files.map((file) => [file.name, file.path])).toEqual([
      ['main', 'real.txt'],
      ['all', 'b.txt'],
    ]);
    expect(collected.missing).toEqual([]);
  });

  it('reports a required output that matched nothing as missing and an optional one as a warning', async () => {
    const collected = await collectOutputs(work, [required('*.bam', 'bam'), { name: 'log', pattern: 'run.log', optional: true }]);
    expect(collected.missing.map((output) => output.name)).toEqual(['bam']);
    expect(collected.warnings).toEqual(['outputs: optional output log ("run.log") matched no file in the work dir']);
  });
});
