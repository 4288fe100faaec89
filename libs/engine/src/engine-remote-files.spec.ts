import { BackendRegistry, CapstanError, ErrorCode, parseTask } from '@capstan/core-constraints';
import { NameGenerator } from '@capstan/naming';
import { ResourceLedger } from '@capstan/resource-manager';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_ENGINE_OPTIONS, type RemoteFiles } from './engine-options';
import { TaskEngine } from './engine';
import { FakeBackend } from './testing/fake-backend';

// Pure engine logic around a transfer: the transfer itself is proven against a real store in the CLI's specs.
type Put = Parameters<RemoteFiles['put']>[0];

/** Records what the engine asks of a transfer; `failPut` makes every upload fail as a real one would. */
function recordingTransfer(failPut = false): RemoteFiles & { puts: Put[]; fetched: string[]; checked: string[] } {
  const puts: Put[] = [];
  const fetched: string[] = [];
  const checked: string[] = [];
  return {
    puts,
    fetched,
    checked,
    check: (url) => void checked.push(url),
    async fetch(request) {
      fetched.push(request.hostPath);
      await writeFile(request.hostPath, `from ${request.url}`);
    },
    async put(request) {
      if (failPut) throw new CapstanError(ErrorCode.TransferFailed, 'the store did not answer', { path: request.fieldPath });
      puts.push(request);
    },
  };
}

describe('TaskEngine with remote files (inputs and an output dir in an object store)', () => {
  let workRoot: string;
  beforeEach(async () => {
    workRoot = await mkdtemp(join(tmpdir(), 'capstan-engine-remote-'));
  });
  afterEach(() => rm(workRoot, { recursive: true, force: true }));

  const backend = new FakeBackend('fake', async (request) => {
    await writeFile(join(request.paths.workDir, 'out.txt'), await readFile(request.inputs[0]?.hostPath ?? '', 'utf8'));
    return { exitCode: 0 };
  });
  const build = (remoteFiles: RemoteFiles | undefined, outputDir?: string): TaskEngine =>
    new TaskEngine(new BackendRegistry([backend]), new ResourceLedger({ capacity: { cpu: 2, memory: 2 ** 31, gpu: 0 } }), new NameGenerator(), {
      ...DEFAULT_ENGINE_OPTIONS,
      backend: 'fake',
      workRoot,
      ...(remoteFiles === undefined ? {} : { remoteFiles }),
      ...(outputDir === undefined ? {} : { outputDir }),
    });
  const task = parseTask({ name: 'copy', command: 'true', requirements: { container: 'busybox', cpu: 1, memory: '1 GiB' }, inputs: [{ source: 's3://b/in.txt', path: '/in.txt' }], outputs: ['out.txt'] });

  it('fault: an output dir URL without a transfer is refused at once, naming outputDir', () => {
    expect(() => build(undefined, 's3://b/runs')).toThrow(expect.objectContaining({ code: ErrorCode.InvalidConfig, path: 'outputDir' }));
  });

  it('fetches a URL input into the task folder, uploads the output below the prefix, then outputs.json', async () => {
    const transfer = recordingTransfer();
    const engine = build(transfer, 's3://b/runs/');
    const result = await engine.run(task);
    expect(result.state).toBe('succeeded');
    expect(transfer.fetched).toEqual([join(result.folder, 'inputs', '0')]);
    expect(transfer.puts.map((put) => put.url)).toEqual(['s3://b/runs/copy/out.txt', 's3://b/runs/outputs.json']);
    expect(transfer.puts[0]?.within).toBe(join(engine.runFolder, 'outputs', 'copy'));
    expect(result.published.map((file) => file.path)).toEqual(['s3://b/runs/copy/out.txt']);
    expect(result.outputsFolder).toBe('s3://b/runs/copy');
    const manifest = JSON.parse(await readFile(transfer.puts[1]?.hostPath ?? '', 'utf8')) as { outputs: { path: string }[] };
    expect(manifest.outputs.map((entry) => entry.path)).toEqual(['s3://b/runs/copy/out.txt']);
  });

  it('fault: a failed upload ends the task in error (the command succeeded), publishes nothing and keeps the files', async () => {
    const engine = build(recordingTransfer(true), 's3://b/runs');
    const result = await engine.run(task);
    expect(result.state).toBe('error');
    expect(result.error).toMatchObject({ code: ErrorCode.TransferFailed, path: 'outputDir' });
    expect(result.attempts[0]?.exitCode).toBe(0);
    expect(result.published).toEqual([]);
    expect(await readFile(join(engine.runFolder, 'outputs', 'copy', 'out.txt'), 'utf8')).toBe('from s3://b/in.txt');
  });

  it('plans a URL input by checking its address, fetching nothing', async () => {
    const transfer = recordingTransfer();
    await build(transfer).plan(task);
    expect(transfer.checked).toEqual(['s3://b/in.txt']);
    expect(transfer.fetched).toEqual([]);
  });
});
