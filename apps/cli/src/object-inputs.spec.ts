import { localS3Server } from '@capstan/backend-test-kit';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildCli, taskFolder, workspaceRoot } from './testing/cli-harness';
import { IMAGE, putText, resultOf, runWithStore, storeOf, type StoreKeys } from './testing/object-store-cli';

const server = localS3Server();
const store = storeOf(server);
// Each run's objects under a prefix of its own: the shared bucket outlives the test.
const PREFIX = `taskfiles-s3-in-${process.pid}-${Date.now()}`;
const url = (key: string): string => `s3://${server.bucket}/${PREFIX}/${key}`;

describe('capstan run: inputs from an object store (the built CLI against the real s3rver and Docker)', () => {
  jest.setTimeout(120_000);
  const folder = taskFolder('capstan-taskfiles-s3-');
  beforeAll(async () => {
    await Promise.all([putText(store, url('reads.txt'), 'ACGT\n'), putText(store, url('ref/a.fa'), '>a\n'), putText(store, url('ref/sub/b.fa'), '>b\n')]);
    await buildCli();
  }, 90_000);

  const run = (args: readonly string[], keys?: StoreKeys): ReturnType<typeof runWithStore> => runWithStore(folder.dir(), server, args, keys);
  const task = (name: string, inputs: unknown[], command = 'true'): Promise<string> =>
    folder.taskFile(name, { command, requirements: { container: IMAGE, cpu: 1, memory: '32 MiB' }, hints: { shell: 'sh' }, inputs, outputs: command === 'true' ? {} : { seen: 'seen.txt' } });

  it('fetches a task file\'s object and prefix (as a folder) and binds them at their paths', async () => {
    const file = await task('fetch', [{ source: url('reads.txt'), path: '/data/reads.txt' }, { source: url('ref'), path: '/ref', type: 'directory' }], 'cat /data/reads.txt /ref/a.fa /ref/sub/b.fa > seen.txt');
    const result = await run([file]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(await readFile(resultOf(result.stdout)?.published[0]?.path ?? '', 'utf8')).toBe('ACGT\n>a\n>b\n');
  });

  it('fetches a quick form\'s --input URL:DEST', async () => {
    const result = await run(['--image', IMAGE, '--shell', 'sh', '--memory', '32 MiB', '--input', `${url('reads.txt')}:/in/r.txt`, '--output', 'copy.txt', '--', 'sh', '-c', 'cp /in/r.txt copy.txt']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(await readFile(resultOf(result.stdout)?.published[0]?.path ?? '', 'utf8')).toBe('ACGT\n');
  });

  it('fails a missing object typed, naming the task file\'s field, and runs nothing', async () => {
    const result = await run([await task('missing', [{ source: url('no-such-object'), path: '/data/x' }])]);
    expect(result.code).toBe(69);
    expect(resultOf(result.stdout)?.error).toMatchObject({ code: 'transfer.failed', path: 'inputs.0.source' });
    expect(resultOf(result.stdout)?.state).toBe('error');
    expect(result.stdout).not.toContain('"attempt-started"');
  });

  it('refuses bad credentials without printing the secret', async () => {
    const secret = 'taskfiles-s3-WRONG-secret-0123456789';
    // s3rver checks the key id, not the signature: a wrong pair is a wrong key id to it.
    const result = await run([await task('denied', [{ source: url('reads.txt'), path: '/data/x' }])], { accessKeyId: 'TASKFILESS3WRONGKEY', secretAccessKey: secret });
    expect(result.code).toBe(69);
    expect(resultOf(result.stdout)?.error).toMatchObject({ code: 'transfer.failed', path: 'inputs.0.source' });
    expect(`${result.stdout}${result.stderr}`).not.toContain(secret);
    expect(`${result.stdout}${result.stderr}`).not.toContain(server.secretAccessKey);
  });

  it('documents the example configuration and task file as they are in examples/object-store', async () => {
    const doc = (name: string): Promise<string> => readFile(join(workspaceRoot, 'docs', name), 'utf8');
    const example = (name: string): Promise<string> => readFile(join(workspaceRoot, 'examples', 'object-store', name), 'utf8');
    expect(await doc('configuration.md')).toContain(`\`\`\`yaml\n${await example('capstan.yaml')}\`\`\`\n`);
    const inputs = (await example('count-bases.yaml')).split('\n').slice(7, 10).join('\n');
    expect(inputs).toMatch(/^inputs:\n {2}- source: s3:\/\//);
    expect(await doc('task-file.md')).toContain(`\`\`\`yaml\n${inputs}\n\`\`\`\n`);
  });

  it('hostile: refuses a credential written into an --input URL, and never shows it', async () => {
    const secret = 'taskfiles-s3-url-secret-9876';
    const result = await run(['--image', IMAGE, '--shell', 'sh', '--input', `s3://AKIATASKFILES:${secret}@${server.bucket}/${PREFIX}/reads.txt:/data/x`, '--', 'true']);
    expect(result.code).toBe(65);
    expect(resultOf(result.stdout)?.error).toMatchObject({ code: 'transfer.refused', path: 'inputs.0.source' });
    expect(`${result.stdout}${result.stderr}`).not.toContain(secret);
  });

  it('refuses a scheme no store serves, as before, naming the field', async () => {
    const result = await run([await task('gs', [{ source: 'gs://bucket/key', path: '/data/x' }])]);
    expect(result.code).toBe(65);
    expect(resultOf(result.stdout)?.error).toMatchObject({ code: 'transfer.refused', path: 'inputs.0.source' });
  });
});
