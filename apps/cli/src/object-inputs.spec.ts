import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { localS3Server } from '@capstan/backend-test-kit';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { testClient } from './testing/s3-client';
import { buildCli, capstan, taskFolder } from './testing/cli-harness';

const IMAGE = 'capstan-test/busybox:1';
const server = localS3Server();
// Each run's objects under a prefix of its own: the shared bucket outlives the test.
const PREFIX = `taskfiles-s3-${process.pid}-${Date.now()}`;

interface Published {
  name: string;
  path: string;
  size: number;
}
interface Result {
  state: string;
  published: Published[];
}

function resultOf(stdout: string): Result | undefined {
  const lines = stdout.trim().split('\n').filter((line) => line.startsWith('{'));
  const summary = JSON.parse(lines[lines.length - 1] ?? '{}') as { results?: Result[] };
  return summary.results?.[0];
}

describe('capstan run: inputs from an object store (the built CLI against the real s3rver and Docker)', () => {
  jest.setTimeout(120_000);
  const folder = taskFolder('capstan-taskfiles-s3-');
  let client: S3Client;
  beforeAll(async () => {
    client = testClient(server);
    const put = (key: string, body: string): Promise<unknown> => client.send(new PutObjectCommand({ Bucket: server.bucket, Key: `${PREFIX}/${key}`, Body: body }));
    await Promise.all([put('reads.txt', 'ACGT\n'), put('ref/a.fa', '>a\n'), put('ref/sub/b.fa', '>b\n')]);
    await buildCli();
  }, 90_000);
  afterAll(() => client.destroy());

  /** The `transfer:` section in a config file of the test's own: the CLI reads no other. */
  async function config(keys = { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey }): Promise<string> {
    const file = join(folder.dir(), 'capstan.json');
    const s3 = { endpoint: server.endpoint, forcePathStyle: true, region: 'us-east-1', ...keys, retries: 0 };
    await writeFile(file, JSON.stringify({ backend: 'docker', workRoot: join(folder.dir(), 'runs'), transfer: { s3 } }));
    return file;
  }

  async function run(args: readonly string[], keys?: { accessKeyId: string; secretAccessKey: string }): Promise<{ code: number; stdout: string; stderr: string }> {
    return capstan(['run', '--json', '--config', await config(keys), ...args], { cwd: folder.dir() });
  }

  const url = (key: string): string => `s3://${server.bucket}/${PREFIX}/${key}`;

  it('fetches a task file\'s object and prefix (as a folder) and binds them at their paths', async () => {
    const file = await folder.taskFile('fetch', {
      command: 'cat /data/reads.txt /ref/a.fa /ref/sub/b.fa > seen.txt',
      requirements: { container: IMAGE, cpu: 1, memory: '32 MiB' },
      hints: { shell: 'sh' },
      inputs: [
        { source: url('reads.txt'), path: '/data/reads.txt' },
        { source: url('ref'), path: '/ref', type: 'directory' },
      ],
      outputs: { seen: 'seen.txt' },
    });
    const result = await run([file]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const published = resultOf(result.stdout)?.published ?? [];
    expect(await readFile(published[0]?.path ?? '', 'utf8')).toBe('ACGT\n>a\n>b\n');
  });

  it('fetches a quick form\'s --input URL:DEST', async () => {
    const result = await run(['--image', IMAGE, '--shell', 'sh', '--memory', '32 MiB', '--input', `${url('reads.txt')}:/in/r.txt`, '--output', 'copy.txt', '--', 'sh', '-c', 'cp /in/r.txt copy.txt']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const published = resultOf(result.stdout)?.published ?? [];
    expect(await readFile(published[0]?.path ?? '', 'utf8')).toBe('ACGT\n');
  });

  it('fails a missing object typed, naming the task file\'s field, and runs nothing', async () => {
    const file = await folder.taskFile('missing', {
      command: 'echo ran > ran.txt',
      requirements: { container: IMAGE, cpu: 1, memory: '32 MiB' },
      hints: { shell: 'sh' },
      inputs: [{ source: url('no-such-object'), path: '/data/x' }],
    });
    const result = await run([file]);
    expect(result.code).toBe(69);
    expect(result.stdout).toContain('transfer.failed');
    expect(result.stdout).toContain('inputs.0.source');
    expect(resultOf(result.stdout)?.state).toBe('error');
    expect(result.stdout).not.toContain('"attempt-started"');
  });

  it('refuses bad credentials without printing the secret', async () => {
    const secret = 'taskfiles-s3-WRONG-secret-0123456789';
    const file = await folder.taskFile('denied', {
      command: 'true',
      hints: { shell: 'sh' },
      requirements: { container: IMAGE, cpu: 1, memory: '32 MiB' },
      inputs: [{ source: url('reads.txt'), path: '/data/x' }],
    });
    // s3rver checks the key id, not the signature: a wrong pair is a wrong key id to it.
    const result = await run([file], { accessKeyId: 'TASKFILESS3WRONGKEY', secretAccessKey: secret });
    expect(result.code).toBe(69);
    expect(result.stdout).toContain('transfer.failed');
    expect(result.stdout).toContain('inputs.0.source');
    expect(`${result.stdout}${result.stderr}`).not.toContain(secret);
    expect(`${result.stdout}${result.stderr}`).not.toContain(server.secretAccessKey);
  });

  it('refuses a scheme no store serves, as before, naming the field', async () => {
    const file = await folder.taskFile('gs', {
      command: 'true',
      requirements: { container: IMAGE, cpu: 1, memory: '32 MiB' },
      inputs: [{ source: 'gs://bucket/key', path: '/data/x' }],
    });
    const result = await run([file]);
    expect(result.code).toBe(65);
    expect(result.stdout).toContain('transfer.refused');
    expect(result.stdout).toContain('inputs.0.source');
  });
});
