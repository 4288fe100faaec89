import { CapstanError } from '@capstan/core-constraints';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { quickTask } from './quick-task';

const cwd = mkdtempSync(join(tmpdir(), 'cli-conventions-quick-task-'));
writeFileSync(join(cwd, 'reads.fq'), 'x');
writeFileSync(join(cwd, 'odd:name.txt'), 'x');
mkdirSync(join(cwd, 'ref'));

async function refusal(options: Parameters<typeof quickTask>[0]): Promise<CapstanError> {
  const error = await quickTask(options).then(
    () => undefined,
    (failure: unknown) => failure,
  );
  expect(error).toBeInstanceOf(CapstanError);
  expect((error as CapstanError).code).toBe('usage.invalid');
  return error as CapstanError;
}

describe('quickTask', () => {
  it('runs as "*" without --image, named after the program, quoting each word', async () => {
    const task = await quickTask({ command: ['/usr/bin/printf', '%s\\n', "it's"], cwd });
    expect(task.requirements.container).toEqual([expect.objectContaining({ uri: '*', kind: 'any' })]);
    expect(task.name).toBe('printf');
    expect(task.command).toBe(`/usr/bin/printf '%s\\n' 'it'\\''s'`);
  });

  it('takes --input URL[:DEST] as written: a prefix (ending in /) is a folder, a port or key colon is no DEST', async () => {
    const input = ['s3://b/reads.fq:/data/r.fq', 's3://b/ref/', 'http://127.0.0.1:8080/x', 's3://b/odd:name'];
    const task = await quickTask({ command: ['true'], input, cwd });
    expect(task.inputs.map(({ source, path, type }) => [source, path, type])).toEqual([
      ['s3://b/reads.fq', '/data/r.fq', 'file'],
      ['s3://b/ref/', '/mnt/task/inputs/ref', 'directory'],
      ['http://127.0.0.1:8080/x', '/mnt/task/inputs/x', 'file'],
      ['s3://b/odd:name', '/mnt/task/inputs/odd:name', 'file'],
    ]);
  });

  it('places --input SRC[:DEST], keeps --output globs, and sets --retries', async () => {
    const task = await quickTask({ command: ['true'], cwd, input: ['reads.fq:/data/r.fq', 'ref', 'odd:name.txt'], output: ['*.bam', 'log.txt'], retries: '3' });
    expect(task.inputs).toEqual([
      { source: join(cwd, 'reads.fq'), path: '/data/r.fq', type: 'file' },
      { source: join(cwd, 'ref'), path: '/mnt/task/inputs/ref', type: 'directory' },
      // A host path holding ":" that exists as a whole is a source, not SRC:DEST.
      { source: join(cwd, 'odd:name.txt'), path: '/mnt/task/inputs/odd:name.txt', type: 'file' },
    ]);
    expect(task.outputs.map((output) => [output.pattern, output.optional])).toEqual([['*.bam', false], ['log.txt', false]]);
    expect(task.requirements.maxRetries).toBe(3);
  });

  it('hostile: a program name of shell syntax and escapes makes a plain task name', async () => {
    expect((await quickTask({ command: ['$(reboot)\u001b[2J;x'], cwd })).name).toBe('reboot-2J-x');
    expect((await quickTask({ command: ['///'], cwd })).name).toBe('task');
  });

  it.each([
    [{ input: ['reads.fq:data/r.fq'] }, /^--input reads\.fq:data\/r\.fq: the destination "data\/r\.fq" is not an absolute path/],
    [{ input: ['gone.txt'] }, /^--input gone\.txt: .*gone\.txt does not exist/],
    [{ input: [':/data/x'] }, /^--input :\/data\/x: give a host file or folder/],
    [{ retries: '-1' }, /^--retries -1: give a whole number from 0 to 20/],
    [{ retries: '1.5' }, /^--retries 1\.5: /],
    [{ env: ['=x'] }, /^--env =x: give NAME=VALUE/],
    [{ env: ['1BAD=x'] }, /^--env: .*letters, digits and _/],
    [{ cpu: 'lots' }, /^--cpu: /],
    [{ memory: '1 XB' }, /^--memory: /],
  ])('refuses %j naming the flag', async (flags, message) => {
    expect((await refusal({ command: ['true'], cwd, ...flags })).message).toMatch(message);
  });

  it('hostile: an --input naming a path with terminal escapes is shown escaped', async () => {
    const error = await refusal({ command: ['true'], cwd, input: ['\u001b]0;x\u0007'] });
    // eslint-disable-next-line no-control-regex
    expect(error.message).not.toMatch(/[\u0000-\u001f]/);
  });
});
