import { createHash } from 'node:crypto';
import { chmod, lstat, mkdtemp, readdir, readFile, readlink, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { buildCli, capstan } from './testing/cli-harness';

const IMAGE = 'capstan-test/busybox:1';
const sha = (text: string): string => createHash('sha256').update(text).digest('hex');

interface Published {
  task: string;
  name: string;
  path: string;
  source: string;
  size: number;
  sha256: string;
}
interface Result {
  taskName: string;
  state: string;
  exitCode: number | null;
  endReason: string | null;
  folder: string;
  folderDeleted: boolean;
  published: Published[];
  outputsFolder: string | null;
  missingOutputs: string[];
  warnings: string[];
}

function resultsOf(ndjson: string): Result[] {
  const lines = ndjson.trim().split('\n').map((line) => JSON.parse(line) as { type: string; results?: Result[] });
  const summary = lines[lines.length - 1];
  expect(summary?.type).toBe('summary');
  return summary?.results ?? [];
}

/** The task writes a named output in a subfolder and a log; published copies must outlive every retention policy. */
const ALIGN = {
  command: 'mkdir -p bam && printf aligned > bam/x.bam && echo done > run.log',
  requirements: { container: IMAGE, cpu: 1, memory: '32 MiB' },
  hints: { shell: 'sh' },
  outputs: { bam: 'bam/*.bam', log: 'run.log', stats: 'stats.txt?' },
};

describe('capstan run: outputs you can find (the built CLI against the real Docker daemon)', () => {
  jest.setTimeout(120_000);
  let dir: string;
  let work: string;
  beforeAll(buildCli, 60_000);
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'capstan-cli-outputs-'));
    await chmod(dir, 0o755);
    work = join(dir, 'runs');
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  async function taskFile(name: string, body: Record<string, unknown>, fileName = name): Promise<string> {
    const file = join(dir, `${fileName}.json`);
    await writeFile(file, JSON.stringify({ name, ...body }));
    return file;
  }

  it.each(['keep', 'delete-on-success', 'delete-always'])('publishes named outputs and outputs.json, which retention %s never deletes', async (retention) => {
    const file = await taskFile('align', ALIGN);
    const human = await capstan(['run', file, '--backend', 'docker', '--work-root', work, '--retention', retention]);
    expect(human.code).toBe(0);
    const [run] = (await readdir(work)).filter((name) => name !== 'latest');
    const outputs = join(work, run ?? '', 'outputs');
    expect(human.stdout).toContain('warning: outputs: optional output stats ("stats.txt") matched no file in the work dir');
    expect(human.stdout).toMatch(new RegExp(`Outputs:\\n\\s+align bam\\s+${join(outputs, 'align', 'bam', 'x.bam')} \\(7 B\\)\\n\\s+align log\\s+${join(outputs, 'align', 'run.log')} \\(5 B\\)\\n\\s+manifest: ${join(outputs, 'outputs.json')}\\n`));
    expect(await readFile(join(outputs, 'align', 'bam', 'x.bam'), 'utf8')).toBe('aligned');
    const manifest = JSON.parse(await readFile(join(outputs, 'outputs.json'), 'utf8')) as { outputs: Published[] };
    expect(manifest.outputs.map(({ task, name, path, size, sha256 }) => ({ task, name, path, size, sha256 }))).toEqual([
      { task: 'align', name: 'bam', path: join(outputs, 'align', 'bam', 'x.bam'), size: 7, sha256: sha('aligned') },
      { task: 'align', name: 'log', path: join(outputs, 'align', 'run.log'), size: 5, sha256: sha('done\n') },
    ]);
    const taskFolders = (await readdir(join(work, run ?? ''))).filter((name) => !['outputs', 'run.json', 'trace.tsv', 'report.html'].includes(name));
    expect(taskFolders).toHaveLength(retention === 'keep' ? 1 : 0);
    expect(human.stdout).toMatch(retention === 'keep' ? /succeeded\s+exit 0\s+exited\s+[0-9.]+ m?s\s+\/\S+\/align-[a-z0-9]{12}\n/ : /\(folder deleted\)/);
  });

  it('fails a task whose required output matched nothing (missing_output, exit 1) and keeps its folder for a look', async () => {
    const file = await taskFile('align', { ...ALIGN, command: 'echo done > run.log' });
    const result = await capstan(['run', file, '--backend', 'docker', '--work-root', work, '--retention', 'delete-on-success', '--json']);
    expect(result.code).toBe(1);
    const [task] = resultsOf(result.stdout);
    expect(task).toMatchObject({ state: 'failed', exitCode: 0, endReason: 'missing_output', published: [], outputsFolder: null, folderDeleted: false });
    expect(task?.missingOutputs).toEqual(['required output bam ("bam/*.bam") matched no file in the work dir']);
    expect(await stat(join(task?.folder ?? '', 'attempts', '1', 'work', 'run.log'))).toBeTruthy();

    const human = await capstan(['run', file, '--backend', 'docker', '--work-root', work]);
    expect(human.code).toBe(1);
    expect(human.stdout).toMatch(/align\s+failed\s+exit 0\s+missing_output/);
    expect(human.stdout).toContain('align: missing_output: required output bam ("bam/*.bam") matched no file in the work dir');
    expect(human.stdout).not.toContain('Outputs:');
  });

  it('publishes the list form to --output-dir, and a second run there never replaces the first one\'s files', async () => {
    const results = join(dir, 'results');
    const first = await taskFile('count', { command: 'echo one > n.txt', requirements: { container: IMAGE }, hints: { shell: 'sh' }, outputs: ['*.txt'] });
    const second = await taskFile('count', { command: 'echo two > n.txt', requirements: { container: IMAGE }, hints: { shell: 'sh' }, outputs: ['*.txt'] }, 'count-2');
    expect((await capstan(['run', first, '--backend', 'docker', '--work-root', work, '--output-dir', results])).code).toBe(0);
    const again = await capstan(['run', second, '--backend', 'docker', '--work-root', work, '--output-dir', results, '--json']);
    const [task] = resultsOf(again.stdout);
    expect(await readFile(join(results, 'count', 'n.txt'), 'utf8')).toBe('one\n');
    expect(task?.published.map((file) => [file.name, file.path])).toEqual([['*.txt', join(task?.outputsFolder ?? '', 'n.txt')]]);
    expect(basename(task?.outputsFolder ?? '')).toMatch(/^count-[a-z0-9]{12}$/);
    expect(await readFile(task?.published[0]?.path ?? '', 'utf8')).toBe('two\n');
    expect(JSON.parse(await readFile(join(results, 'outputs.json'), 'utf8'))).toMatchObject({ outputs: [{ task: 'count', path: task?.published[0]?.path }] });
    for (const run of (await readdir(work)).filter((name) => name !== 'latest')) expect(await readdir(join(work, run))).not.toContain('outputs');
  });

  it('names run folders by start time and run id, points latest at the newest, and cleanup --runs finds old ones', async () => {
    const file = await taskFile('hello', { command: 'true', requirements: { container: IMAGE }, hints: { shell: 'sh' } });
    const first = resultsOf((await capstan(['run', file, '--backend', 'docker', '--work-root', work, '--json'])).stdout)[0];
    // Folder names carry the start time to the second; two runs in one second tie and sort by their random ids.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const second = resultsOf((await capstan(['run', file, '--backend', 'docker', '--work-root', work, '--json'])).stdout)[0];
    const runs = (await readdir(work)).filter((name) => name !== 'latest').sort();
    expect(runs).toHaveLength(2);
    for (const run of runs) expect(run).toMatch(/^[0-9]{8}T[0-9]{6}Z-[0-9a-z]{12}$/);
    expect(second?.folder.startsWith(join(work, runs[1] ?? ''))).toBe(true);
    expect(first?.folder.startsWith(join(work, runs[0] ?? ''))).toBe(true);
    expect(await readlink(join(work, 'latest'))).toBe(runs[1]);

    const old = new Date(Date.now() - 30 * 86_400_000);
    const oldRun = join(work, runs[0] ?? '');
    for (const path of [join(first?.folder ?? '', 'attempts'), first?.folder ?? '', join(oldRun, 'run.json'), join(oldRun, 'trace.tsv'), join(oldRun, 'report.html'), oldRun]) await utimes(path, old, old);
    const cleanup = await capstan(['cleanup', '--runs', '--older-than', '7d', '--work-root', work]);
    expect(cleanup.stdout).toContain(`removed ${oldRun}\n`);
    expect((await readdir(work)).sort()).toEqual([runs[1], 'latest']);
  });

  it('prints no folder for a task refused before it ran, and makes none', async () => {
    const file = await taskFile('huge', { command: 'true', requirements: { container: IMAGE, cpu: 100_000 }, hints: { shell: 'sh' } });
    const result = await capstan(['run', file, '--backend', 'docker', '--work-root', work]);
    expect(result.code).not.toBe(0);
    expect(result.stdout).toMatch(/huge\s+error\s+exit -\s+resource.exceeds_capacity\s+[0-9.]+ m?s\s+\(no folder\)\n/);
    expect(await readdir(work).catch(() => [])).toEqual([]);
  });

  it('refuses a symlink to /etc/passwd and a FIFO named like outputs (hostile): nothing published, the host untouched', async () => {
    const before = await readFile('/etc/passwd', 'utf8');
    const beforeStat = await stat('/etc/passwd');
    const file = await taskFile('sneaky', {
      command: 'ln -s /etc/passwd result.txt && mkfifo pipe.log && ln -s /etc data && echo ok > ok.txt',
      requirements: { container: IMAGE },
      hints: { shell: 'sh' },
      outputs: { result: 'result.txt', log: 'pipe.log?', shadow: 'data/passwd?', ok: 'ok.txt' },
    });
    const result = await capstan(['run', file, '--backend', 'docker', '--work-root', work, '--json']);
    const [task] = resultsOf(result.stdout);
    expect(task).toMatchObject({ state: 'failed', endReason: 'missing_output', published: [] });
    expect(task?.missingOutputs).toEqual(['required output result ("result.txt") matched no file in the work dir']);
    expect(task?.warnings).toEqual(
      expect.arrayContaining([
        expect.stringContaining('"result.txt" (in'),
        expect.stringContaining('"pipe.log" (in'),
        expect.stringContaining('"data/passwd" (in'),
      ]),
    );
    expect(task?.warnings.join('\n')).toMatch(/is a symbolic link[^]*is a FIFO[^]*leads through a symbolic link out of the folder/);
    const [run] = (await readdir(work)).filter((name) => name !== 'latest');
    expect(await readdir(join(work, run ?? ''))).not.toContain('outputs');
    expect(await readFile('/etc/passwd', 'utf8')).toBe(before);
    expect((await stat('/etc/passwd')).mtimeMs).toBe(beforeStat.mtimeMs);
    expect((await lstat(join(task?.folder ?? '', 'attempts', '1', 'work', 'result.txt'))).isSymbolicLink()).toBe(true);
  });
});
