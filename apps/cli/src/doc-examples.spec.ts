import { readdirSync, readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildCli, capstan, cliBundle, execFileAsync, folderPerTest, workspaceRoot } from './testing/cli-harness';
import { type DocExample, extractExamples } from './testing/doc-examples';

// The apps' own READMEs are packed into their packages: their command lines run here too.
const DOCS = ['README.md', 'apps/cli/README.md', 'apps/api/README.md', ...readdirSync(join(workspaceRoot, 'docs')).filter((name) => name.endsWith('.md')).map((name) => `docs/${name}`)];
const EXAMPLES: DocExample[] = DOCS.flatMap((file) => extractExamples(readFileSync(join(workspaceRoot, file), 'utf8'), file));
const taskFiles = EXAMPLES.filter((example) => example.kind === 'task-file').map((example) => [example.where, example.text] as const);
const commands = EXAMPLES.filter((example) => example.kind === 'command').map((example) => [example.where, example.text] as const);

describe('finding the examples of the docs', () => {
  const doc = [
    '```yaml',
    'name: a',
    'command: echo a',
    '```',
    '```yaml',
    'backend: docker',
    '```',
    '<!-- example: not run here: needs a Slurm cluster -->',
    '```yaml',
    'name: b',
    'command: echo b',
    '```',
    '```sh',
    '# a comment',
    'capstan plan x.yaml \\',
    '  --json',
    'docker run --rm img \\',
    '  capstan run inside.yaml',
    '$ npx capstan run --image i -- echo hi',
    'capstan doctor',
    '```',
  ].join('\n');

  it('takes task files, capstan run/plan lines (continuations joined), and lists marked blocks as not run', () => {
    expect(extractExamples(doc, 'd.md')).toEqual([
      { kind: 'task-file', where: 'd.md:1', text: 'name: a\ncommand: echo a\n' },
      { kind: 'not-run', where: 'd.md:9', reason: 'needs a Slurm cluster' },
      { kind: 'command', where: 'd.md:13', text: 'capstan plan x.yaml --json' },
      { kind: 'command', where: 'd.md:13', text: 'npx capstan run --image i -- echo hi' },
    ]);
  });

  it('finds the README\'s task example and every task-file section\'s, and keeps the not-run list short', () => {
    expect(taskFiles.map(([where]) => where)).toEqual(expect.arrayContaining([expect.stringMatching(/^README\.md:/), expect.stringMatching(/^docs\/task-file\.md:/)]));
    const notRun = EXAMPLES.filter((example) => example.kind === 'not-run');
    expect(notRun.length).toBeLessThanOrEqual(3);
  });
});

describe('every example in README.md, the apps\' READMEs and docs/*.md runs as written (the built CLI, real Docker)', () => {
  jest.setTimeout(120_000);
  beforeAll(buildCli, 60_000);
  const folder = folderPerTest('capstan-examples-');

  it.each(taskFiles)('task file at %s', async (_where, text) => {
    const dir = folder();
    const file = join(dir, 'example.yaml');
    await writeFile(file, text);
    const result = await capstan(['run', file, '--backend', 'docker', '--work-root', join(dir, 'runs'), '--json'], { cwd: dir });
    expect({ code: result.code, stderr: result.stderr, stdout: result.stdout }).toMatchObject({ code: 0 });
    const summary = JSON.parse(result.stdout.trim().split('\n').pop() ?? '{}') as { results: Array<{ state: string; attempts: Array<{ folder: string }> }> };
    expect(summary.results[0]?.state).toBe('succeeded');
    // A command that stumbles on the way (a typo, a missing file) and still exits 0 prints it: an example says nothing on stderr.
    const last = summary.results[0]?.attempts.at(-1)?.folder ?? '';
    expect(await readFile(join(last, 'stderr'), 'utf8')).toBe('');
  });

  it.each(commands)('command at %s: %s', async (_where, command) => {
    const dir = folder();
    // `capstan` is the CLI under test; a run keeps its folders in this test's temporary folder.
    const capstanFunction = `capstan() { sub="$1"; shift; if [ "$sub" = run ]; then set -- run --work-root "${dir}/runs" "$@"; else set -- "$sub" "$@"; fi; "${process.execPath}" "${cliBundle}" "$@"; }`;
    const script = `${capstanFunction}\n${command.replace(/^npx\s+/, '')}\n`;
    const result = await execFileAsync('sh', ['-c', script], { cwd: workspaceRoot, maxBuffer: 16 * 1024 * 1024 }).then(
      (done) => ({ code: 0, ...done }),
      (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
    );
    expect(result).toMatchObject({ code: 0 });
  });
});
