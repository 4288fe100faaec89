import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildCli, capstan, folderPerTest } from './testing/cli-harness';

const IMAGE = 'capstan-test/busybox:1';

interface Result {
  taskName: string;
  state: string;
  exitCode: number | null;
  folder: string;
  outputs: Array<{ path: string; sizeBytes: number }>;
  attempts: unknown[];
  error?: { code: string; message: string };
}

function resultOf(ndjson: string): Result {
  const summary = JSON.parse(ndjson.trim().split('\n').pop() ?? '{}') as { type: string; results: Result[] };
  expect(summary.type).toBe('summary');
  return summary.results[0] as Result;
}

const attemptFolder = (result: Result): string => join(result.folder, 'attempts', String(result.attempts.length));
const stdoutOf = (result: Result): Promise<string> => readFile(join(attemptFolder(result), 'stdout'), 'utf8');
/** An output as the summary lists it: a path in the attempt's work folder. */
const outputText = (result: Result, index = 0): Promise<string> => readFile(join(attemptFolder(result), 'work', result.outputs[index]?.path ?? 'none'), 'utf8');

describe('capstan run -- CMD: the quick form (the built CLI, the real Docker daemon)', () => {
  jest.setTimeout(120_000);
  beforeAll(buildCli, 60_000);
  const folder = folderPerTest('cli-conventions-quick-');

  const run = (args: readonly string[]) => capstan(['run', '--work-root', join(folder(), 'runs'), '--shell', 'sh', '--json', ...args], { cwd: folder() });

  it('with an image: --input SRC:DEST is read at DEST in the container, --output GLOB is kept', async () => {
    await writeFile(join(folder(), 'reads.txt'), 'a\nb\nc\n');
    await mkdir(join(folder(), 'ref'));
    await writeFile(join(folder(), 'ref', 'genome.fa'), '>x\n');
    const result = await run(['--backend', 'docker', '--image', IMAGE, '--input', 'reads.txt:/data/reads.txt', '--input', 'ref', '--output', '*.count', '--',
      'sh', '-c', 'wc -l < /data/reads.txt > lines.count; cat /mnt/task/inputs/ref/genome.fa; echo not kept > other.txt']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const task = resultOf(result.stdout);
    expect(task.state).toBe('succeeded');
    expect(await stdoutOf(task)).toBe('>x\n');
    expect(task.outputs.map((output) => output.path.split('/').pop())).toEqual(['lines.count']);
    expect((await outputText(task)).trim()).toBe('3');
  });

  it('without an image on docker: runs as "*" in the configured default container', async () => {
    // The busybox image has /bin/busybox and none of this worktree's folders: the command ran in it, not on the host.
    const inContainer = await run(['--backend', 'docker', '--default-container', IMAGE, '--', 'sh', '-c', 'test -x /bin/busybox && test ! -e /work/wt && echo in-container']);
    expect(inContainer.code).toBe(0);
    const task = resultOf(inContainer.stdout);
    expect(task.taskName).toBe('sh');
    expect(await stdoutOf(task)).toBe('in-container\n');
  });

  it('without an image and without a default container, a container backend refuses "*" naming the fix', async () => {
    const result = await run(['--backend', 'docker', '--', 'true']);
    expect(result.code).toBe(69);
    const { error } = resultOf(result.stdout);
    expect(error?.code).toBe('container.none_usable');
    expect(error?.message).toContain('"*" means any environment, and no default container is configured for the docker backend');
  });

  it('without an image on the local backend: runs on the host, inputs and outputs included', async () => {
    await writeFile(join(folder(), 'in.txt'), 'host input\n');
    const result = await run(['--backend', 'local', '--input', 'in.txt', '--output', 'copy.txt', '--', 'sh', '-c', 'cat ../inputs/in.txt > copy.txt; echo "$CAPSTAN_TASK_ROOT" | grep -q attempts && echo on-host']);
    expect(result.code).toBe(0);
    const task = resultOf(result.stdout);
    expect(await stdoutOf(task)).toBe('on-host\n');
    expect(await outputText(task)).toBe('host input\n');
  });

  it('--retries N runs a failing command N more times', async () => {
    const result = await run(['--backend', 'docker', '--image', IMAGE, '--retries', '2', '--', 'sh', '-c', 'echo try; exit 4']);
    expect(result.code).toBe(4);
    expect(resultOf(result.stdout).attempts).toHaveLength(3);
  });

  it.each([
    ['a DEST that is not absolute', ['--input', 'in.txt:data/in.txt'], /^--input in\.txt:data\/in\.txt: the destination "data\/in\.txt" is not an absolute path; write SRC:\/absolute\/path/],
    ['a SRC that does not exist', ['--input', 'missing.txt'], /^--input missing\.txt: .*missing\.txt does not exist; give a host file or folder/],
    ['--retries -1', ['--retries', '-1'], /^--retries -1: give a whole number from 0 to 20/],
    ['--retries 21', ['--retries', '21'], /^--retries 21: give a whole number from 0 to 20/],
    ['--retries two', ['--retries', 'two'], /^--retries two: give a whole number/],
    ['an --output leaving the work dir', ['--output', '../x'], /^--output: output pattern "\.\.\/x" leaves the work dir/],
    ['an --env without =', ['--env', 'NOVALUE'], /^--env NOVALUE: give NAME=VALUE/],
    ['an --input DEST inside Capstan\'s own work dir (hostile)', ['--input', 'in.txt:/mnt/task/work/x'], /^--input: guest path "\/mnt\/task\/work\/x" is inside Capstan's own work dir/],
  ])('refuses %s as a typed usage error naming the flag, the value and the fix (exit 64, nothing run)', async (_what, flags, message) => {
    await writeFile(join(folder(), 'in.txt'), 'x');
    const result = await run(['--backend', 'docker', '--image', IMAGE, ...flags, '--', 'true']);
    expect(result.code).toBe(64);
    const { error } = JSON.parse(result.stdout.trim()) as { error: { code: string; message: string } };
    expect(error.code).toBe('usage.invalid');
    expect(error.message).toMatch(message);
  });

  it('refuses quick-form flags with task files, and task files with a command', async () => {
    const withFile = await run(['examples/hello.yaml', '--input', 'x']);
    expect(withFile.code).toBe(64);
    expect(withFile.stdout).toContain('--input belongs to the quick form');
    const both = await run(['task.yaml', '--', 'echo']);
    expect(both.code).toBe(64);
    expect(both.stdout).toContain('give task files or a command after --, not both');
  });
});
