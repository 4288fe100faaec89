import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCli, capstan } from './testing/cli-harness';

// Hostile tasks through `capstan run` on the real Docker engine: the task turns what the host later lists, sizes or
// deletes into links, FIFOs and links out. Each case checks the refusal and that the host is untouched.
const IMAGE = 'capstan-test/busybox:1';
const SECRET = 'host secret: never an output\n';

interface HostileSummary {
  type: string;
  results: Array<{ state: string; outputs: Array<{ path: string; sizeBytes: number }>; folder: string; folderDeleted?: boolean; warnings: string[] }>;
}

describe('capstan run with a hostile task (real Docker daemon)', () => {
  jest.setTimeout(120_000);
  let dir: string;
  let host: string;
  beforeAll(buildCli, 60_000);
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'capstan-hostile-cli-'));
    await chmod(dir, 0o755);
    host = join(dir, 'host');
    await mkdir(join(host, 'inner'), { recursive: true });
    await writeFile(join(host, 'secret.txt'), SECRET);
    await writeFile(join(host, 'inner', 'keep.txt'), 'keep');
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  async function hostUntouched(): Promise<void> {
    expect(await readFile(join(host, 'secret.txt'), 'utf8')).toBe(SECRET);
    expect((await readdir(host)).sort()).toEqual(['inner', 'secret.txt']);
    expect(await readFile(join(host, 'inner', 'keep.txt'), 'utf8')).toBe('keep');
    expect((await stat(join(host, 'secret.txt'))).uid).toBe(0);
  }

  async function run(command: string, extra: Record<string, unknown>, args: readonly string[] = []): Promise<{ code: number; stdout: string; summary: HostileSummary }> {
    const file = join(dir, 'hostile.json');
    await writeFile(file, JSON.stringify({ name: 'hostile', command, requirements: { container: IMAGE }, hints: { shell: 'sh' }, ...extra }));
    const result = await capstan(['run', file, '--backend', 'docker', '--work-root', join(dir, 'runs'), '--json', ...args]);
    const lines = result.stdout.trim().split('\n');
    return { code: result.code, stdout: result.stdout, summary: JSON.parse(lines[lines.length - 1] ?? '{}') as HostileSummary };
  }

  it('lists only regular outputs: links in and out and FIFOs never opened, a match through a folder link named in a warning', async () => {
    const { code, stdout, summary } = await run(
      `echo ok > ok.txt; ln -s ${join(host, 'secret.txt')} secret.txt; ln -s ok.txt alias.txt; mkfifo pipe.txt; ln -s ${host} hostdir`,
      { outputs: ['*.txt', 'hostdir/*.txt?'] },
    );
    expect(code).toBe(0);
    expect(summary.results[0]?.outputs.map((output) => output.path)).toEqual(['ok.txt']);
    expect(summary.results[0]?.warnings.join('\n')).toContain('"hostdir/secret.txt"');
    expect(stdout).not.toContain('host secret');
    await hostUntouched();
  });

  it('deletes a run folder under delete-always: the task\'s links go as links, their host targets stay', async () => {
    const { code, summary } = await run(`ln -s ${host} dir; ln -s ${join(host, 'secret.txt')} file; ln -s / root; ln -s .. up; mkfifo pipe; mkdir sub; ln -s ${host} sub/again`, {}, ['--retention', 'delete-always']);
    expect(code).toBe(0);
    expect(summary.results[0]?.folderDeleted).toBe(true);
    await expect(stat(summary.results[0]?.folder ?? '')).rejects.toMatchObject({ code: 'ENOENT' });
    await hostUntouched();
  });
});
