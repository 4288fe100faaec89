import { BackendRegistry, parseTask, type Task } from '@capstan/core-constraints';
import { NameGenerator } from '@capstan/naming';
import { ResourceLedger } from '@capstan/resource-manager';
import { createHash } from 'node:crypto';
import { lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { DEFAULT_ENGINE_OPTIONS, type EngineOptions } from './engine-options';
import { TaskEngine } from './engine';
import { FakeBackend } from './testing/fake-backend';

const GIB = 1024 ** 3;
const sha = (text: string): string => createHash('sha256').update(text).digest('hex');

function task(outputs: unknown, name = 'align reads'): Task {
  return parseTask({ name, command: 'true', requirements: { container: 'ubuntu:22.04', cpu: 1, memory: '1 GiB' }, outputs });
}

/** Writes `files` (path -> text) into the attempt's work dir and exits 0. */
function writing(files: Record<string, string>): FakeBackend {
  return new FakeBackend('fake', async (request) => {
    for (const [path, text] of Object.entries(files)) {
      await mkdir(join(request.paths.workDir, path, '..'), { recursive: true });
      await writeFile(join(request.paths.workDir, path), text);
    }
    return { exitCode: 0 };
  });
}

describe('TaskEngine: published outputs', () => {
  let workRoot: string;
  beforeEach(async () => {
    workRoot = await mkdtemp(join(tmpdir(), 'capstan-engine-outputs-'));
  });
  afterEach(() => rm(workRoot, { recursive: true, force: true }));

  const engineFor = (backend: FakeBackend, options: Partial<EngineOptions> = {}): TaskEngine =>
    new TaskEngine(new BackendRegistry([backend]), new ResourceLedger({ capacity: { cpu: 4, memory: 8 * GIB, gpu: 0 } }), new NameGenerator(), {
      ...DEFAULT_ENGINE_OPTIONS,
      backend: backend.name,
      workRoot,
      ...options,
    });

  it.each(['keep', 'delete-on-success', 'delete-always'] as const)('publishes named outputs with a manifest that retention %s keeps', async (retention) => {
    const engine = engineFor(writing({ 'x.bam': 'bam!', 'logs/run.log': 'log' }), { retention });
    const result = await engine.run(task({ bam: '*.bam', log: 'logs/run.log' }));
    expect(result.state).toBe('succeeded');
    const folder = join(engine.runFolder, 'outputs', 'align-reads');
    expect(result.outputsFolder).toBe(folder);
    expect(result.published).toEqual([
      { task: 'align reads', uniqueName: result.uniqueName, name: 'bam', path: join(folder, 'x.bam'), source: 'x.bam', size: 4, sha256: sha('bam!') },
      { task: 'align reads', uniqueName: result.uniqueName, name: 'log', path: join(folder, 'logs', 'run.log'), source: 'logs/run.log', size: 3, sha256: sha('log') },
    ]);
    expect(result.folderDeleted).toBe(retention !== 'keep');
    expect(await readFile(join(folder, 'x.bam'), 'utf8')).toBe('bam!');
    const manifest = JSON.parse(await readFile(join(engine.runFolder, 'outputs', 'outputs.json'), 'utf8'));
    expect(manifest).toEqual({ runId: engine.runId, outputs: result.published });
  });

  it('fails a task whose required output matched nothing with missing_output, publishing nothing; an optional one warns', async () => {
    const engine = engineFor(writing({ 'run.log': 'log' }), { retention: 'delete-on-success' });
    const result = await engine.run(task({ bam: '*.bam', log: 'run.log', stats: 'stats.txt?' }));
    expect(result).toMatchObject({ state: 'failed', exitCode: 0, endReason: 'missing_output', published: [], outputsFolder: null, folderDeleted: false });
    expect(result.missingOutputs).toEqual(['required output bam ("*.bam") matched no file in the work dir']);
    expect(result.warnings).toContain('outputs: optional output stats ("stats.txt") matched no file in the work dir');
    expect(result.attempts).toHaveLength(1);
    await expect(readdir(join(engine.runFolder, 'outputs'))).rejects.toThrow(/ENOENT/);

    const optionalOnly = await engineFor(writing({})).run(task(['stats.txt?']));
    expect(optionalOnly).toMatchObject({ state: 'succeeded', endReason: 'exited', published: [] });
  });

  it('publishes to an output dir, and never replaces what an earlier run published there', async () => {
    const outputDir = join(workRoot, 'results');
    const first = await engineFor(writing({ 'a.txt': 'one' }), { outputDir }).run(task(['a.txt']));
    const second = await engineFor(writing({ 'a.txt': 'two' }), { outputDir }).run(task(['a.txt']));
    expect(first.outputsFolder).toBe(join(outputDir, 'align-reads'));
    expect(second.outputsFolder).toBe(join(outputDir, second.uniqueName));
    expect(await readFile(join(outputDir, 'align-reads', 'a.txt'), 'utf8')).toBe('one');
    expect(await readFile(join(outputDir, second.uniqueName, 'a.txt'), 'utf8')).toBe('two');
    const manifest = JSON.parse(await readFile(join(outputDir, 'outputs.json'), 'utf8'));
    expect(manifest.outputs.map((entry: { path: string }) => entry.path)).toEqual([join(outputDir, second.uniqueName, 'a.txt')]);
  });

  it('fails a task whose output dir cannot be written, naming it and the fix, and keeps its folder (fault)', async () => {
    const outputDir = join(workRoot, 'a-file');
    await writeFile(outputDir, 'not a folder');
    const result = await engineFor(writing({ 'a.txt': 'one' }), { outputDir, retention: 'delete-always' }).run(task(['a.txt']));
    expect(result).toMatchObject({ state: 'error', folderDeleted: false, error: { code: 'config.invalid', path: 'outputDir' } });
    expect(result.error?.message).toContain(`cannot publish outputs in ${outputDir}`);
    expect(result.error?.message).toContain('give --output-dir (config key outputDir) a folder you can write');
    expect(await readFile(join(result.folder, 'attempts', '1', 'work', 'a.txt'), 'utf8')).toBe('one');
  });

  it('publishes but warns when outputs.json cannot be written, leaving no temporary file (fault)', async () => {
    const outputDir = join(workRoot, 'results');
    await mkdir(join(outputDir, 'outputs.json'), { recursive: true });
    const result = await engineFor(writing({ 'a.txt': 'one' }), { outputDir }).run(task(['a.txt']));
    expect(result.state).toBe('succeeded');
    expect(result.warnings).toEqual([expect.stringContaining(`outputs: could not write ${join(outputDir, 'outputs.json')}`)]);
    expect((await readdir(outputDir)).sort()).toEqual(['align-reads', 'outputs.json']);
  });

  it('refuses a task\'s link and FIFO named like outputs (hostile): not published, the host file untouched', async () => {
    const secret = join(workRoot, 'secret');
    await writeFile(secret, 'host only');
    const backend = new FakeBackend('fake', async (request) => {
      await symlink(secret, join(request.paths.workDir, 'result.txt'));
      await writeFile(join(request.paths.workDir, 'ok.txt'), 'ok');
      return { exitCode: 0 };
    });
    const result = await engineFor(backend).run(task({ result: 'result.txt', ok: 'ok.txt' }));
    expect(result).toMatchObject({ state: 'failed', endReason: 'missing_output', published: [] });
    expect(result.warnings).toEqual(expect.arrayContaining([expect.stringContaining('is a symbolic link')]));
    expect(await readFile(secret, 'utf8')).toBe('host only');
  });

  it('points <work root>/latest at the run folder once it exists, and leaves a real file named latest alone', async () => {
    const engine = engineFor(writing({}), { latestLink: true });
    await engine.run(task([]));
    expect(await readlink(join(workRoot, 'latest'))).toBe(basename(engine.runFolder));
    const next = engineFor(writing({}), { latestLink: true });
    await next.run(task([]));
    expect(await readlink(join(workRoot, 'latest'))).toBe(basename(next.runFolder));
    expect((await readdir(workRoot)).filter((name) => name.includes('.tmp'))).toEqual([]);

    await rm(join(workRoot, 'latest'));
    await writeFile(join(workRoot, 'latest'), 'mine');
    const third = await engineFor(writing({}), { latestLink: true }).run(task([]));
    expect(third.warnings).toEqual([expect.stringContaining('is not a link Capstan made; left alone')]);
    expect((await lstat(join(workRoot, 'latest'))).isFile()).toBe(true);
  });

  it('replaces a latest link the operator\'s root had pointing elsewhere as a link, never writing through it (hostile)', async () => {
    const elsewhere = join(workRoot, 'elsewhere');
    await mkdir(elsewhere);
    await writeFile(join(elsewhere, 'keep.txt'), 'mine');
    await symlink(elsewhere, join(workRoot, 'latest'));
    const engine = engineFor(writing({}), { latestLink: true });
    await engine.run(task([]));
    expect(await readlink(join(workRoot, 'latest'))).toBe(basename(engine.runFolder));
    expect(await readdir(elsewhere)).toEqual(['keep.txt']);
  });

  it('makes no run folder and no latest link for a task refused before it ran', async () => {
    const engine = engineFor(writing({}), { latestLink: true });
    const result = await engine.run(parseTask({ name: 'big', command: 'true', requirements: { cpu: 64 } }));
    expect(result.state).toBe('error');
    expect(await readdir(workRoot)).toEqual([]);
  });
});
