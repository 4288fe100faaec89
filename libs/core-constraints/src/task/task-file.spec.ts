import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { CapstanError } from '../errors/capstan-error';
import { GIB } from '../units/size';
import { loadTaskFile } from './task-file';
import { parseTaskText } from './task-text';

function capstanErrorOf(run: () => unknown): CapstanError {
  try {
    run();
  } catch (error) {
    if (error instanceof CapstanError) return error;
    throw error;
  }
  throw new Error('expected a CapstanError, but nothing was thrown');
}

async function rejectionOf(promise: Promise<unknown>): Promise<CapstanError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof CapstanError) return error;
    throw error;
  }
  throw new Error('expected a CapstanError, but the promise resolved');
}

const TASK_YAML = `
name: align
command: |
  bwa mem ref.fa reads.fq > out.sam
requirements:
  container: biocontainers/bwa:0.7.17
  cpu: 2
  memory: 4 GiB
inputs:
  - source: data/reads.fq
  - source: ../ref/ref.fa
    path: /ref/ref.fa
  - source: /abs/extra.txt
  - source: https://example.org/x/annot.gff?sig=abc
  - source: s3://bucket/dir/
    type: directory
  - source: file:///srv/k.txt
outputs: ["out.sam"]
`;

describe('parseTaskText', () => {
  it('reads YAML and resolves relative input sources against the folder of the task file', () => {
    const task = parseTaskText(TASK_YAML, '/work/tasks/align.yaml');
    expect(task.name).toBe('align');
    expect(task.command).toBe('bwa mem ref.fa reads.fq > out.sam\n');
    expect(task.requirements).toMatchObject({ cpu: 2, memory: 4 * GIB });
    expect(task.outputs).toEqual([{ name: 'out.sam', pattern: 'out.sam', optional: false }]);
    expect(task.inputs).toEqual([
      { source: '/work/tasks/data/reads.fq', path: '/mnt/task/inputs/reads.fq', type: 'file' },
      { source: '/work/ref/ref.fa', path: '/ref/ref.fa', type: 'file' },
      { source: '/abs/extra.txt', path: '/mnt/task/inputs/extra.txt', type: 'file' },
      { source: 'https://example.org/x/annot.gff?sig=abc', path: '/mnt/task/inputs/annot.gff', type: 'file' },
      { source: 's3://bucket/dir/', path: '/mnt/task/inputs/dir', type: 'directory' },
      { source: 'file:///srv/k.txt', path: '/mnt/task/inputs/k.txt', type: 'file' },
    ]);
  });

  it('resolves a relative task file path against the working directory', () => {
    const task = parseTaskText('{name: a, command: x, inputs: [{source: in.txt}]}', 'tasks/a.yaml');
    expect(task.inputs[0]?.source).toBe(resolve('tasks', 'in.txt'));
  });

  it('accepts JSON', () => {
    const json = JSON.stringify({ name: 'count', command: 'wc -l in.txt', inputs: [{ source: 'in.txt' }], env: { N: 3 } });
    const task = parseTaskText(json, '/w/count.json');
    expect(task).toMatchObject({ name: 'count', command: 'wc -l in.txt', env: { N: '3' } });
    expect(task.inputs).toEqual([{ source: '/w/in.txt', path: '/mnt/task/inputs/in.txt', type: 'file' }]);
  });

  it.each<[string, string, number]>([
    ['an unclosed flow sequence', 'name: a\ncommand: x\noutputs: [\n', 4],
    ['a duplicate key', 'name: a\nname: b\ncommand: x\n', 2],
    ['bad indentation', 'name: a\ncommand: x\nrequirements:\n  cpu: 1\n   memory: 2\n', 4],
    ['unclosed JSON', '{"name": "a",\n "command": "x"', 2],
    ['JSON with a doubled comma', '{"name": "a",\n "command": "x",,}', 2],
  ])('reports %s as file.syntax with its line', (_label, text, line) => {
    const error = capstanErrorOf(() => parseTaskText(text, '/w/bad.yaml'));
    expect(error.code).toBe('file.syntax');
    expect(error.message).toMatch(new RegExp(`^task file /w/bad\\.yaml is not valid YAML or JSON at line ${line}, column \\d+: `));
    expect(error.message).not.toContain('\n');
    expect(error.cause).toBeDefined();
  });

  it.each<[string, string, string, string | null]>([
    ['an empty file', '', 'value.invalid', null],
    ['a list document', '- name: a\n', 'value.invalid', null],
    ['a scalar document', 'just text\n', 'value.invalid', null],
    ['a misspelt key', 'name: a\ncomand: x\n', 'value.unknown_key', 'comand'],
    ['a bad requirement', 'name: a\ncommand: x\nrequirements:\n  memory: lots\n', 'size.invalid', 'requirements.memory'],
    ['a relative guest path', 'name: a\ncommand: x\ninputs:\n  - source: a\n    path: rel\n', 'value.invalid', 'inputs.0.path'],
  ])('passes on validation errors for %s', (_label, text, code, path) => {
    const error = capstanErrorOf(() => parseTaskText(text, '/w/t.yaml'));
    expect(error.code).toBe(code);
    expect(error.path).toBe(path);
  });
});

describe('loadTaskFile', () => {
  let folder: string;

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'capstan-task-file-'));
  });

  afterAll(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it('reads a task file and anchors relative sources at its folder', async () => {
    const file = join(folder, 'align.yaml');
    await writeFile(file, TASK_YAML, 'utf8');
    const task = await loadTaskFile(file);
    expect(task.name).toBe('align');
    expect(task.inputs[0]?.source).toBe(join(folder, 'data', 'reads.fq'));
    expect(task.inputs[1]?.source).toBe(resolve(folder, '..', 'ref', 'ref.fa'));
  });

  it('rejects a missing file with file.unreadable', async () => {
    const file = join(folder, 'missing.yaml');
    const error = await rejectionOf(loadTaskFile(file));
    expect(error.code).toBe('file.unreadable');
    expect(error.path).toBeNull();
    expect(error.message).toBe(`task file ${file} does not exist; give the path of a YAML or JSON task file`);
    expect(error.details).toEqual({ value: file });
  });

  it('rejects a folder with file.unreadable', async () => {
    const error = await rejectionOf(loadTaskFile(folder));
    expect(error.code).toBe('file.unreadable');
    expect(error.message).toMatch(/cannot be read \(/);
  });

  it('rejects a file with bad YAML with file.syntax', async () => {
    const file = join(folder, 'bad.yaml');
    await writeFile(file, 'name: a\ncommand: [\n', 'utf8');
    expect((await rejectionOf(loadTaskFile(file))).code).toBe('file.syntax');
  });
});

describe('example task files', () => {
  // Every task file in the repository's examples/ folder (YAML or JSON) must load.
  const examples = resolve(__dirname, '../../../../examples');
  const files = existsSync(examples) ? readdirSync(examples).filter((name) => /\.(ya?ml|json)$/.test(name)).sort() : [];

  if (files.length === 0) {
    it.todo('add example task files to examples/');
  } else {
    it.each(files)('examples/%s is a valid task', async (name) => {
      const task = await loadTaskFile(join(examples, name));
      expect(task.name.length).toBeGreaterThan(0);
      expect(task.command.trim()).not.toBe('');
      for (const input of task.inputs) expect(isAbsolute(input.source) || /^[a-z][a-z0-9+.-]*:\/\//i.test(input.source)).toBe(true);
    });
  }
});
