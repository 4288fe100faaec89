import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { localS3Server } from '@capstan/backend-test-kit';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApps, type RunningApi, startApi, stopApi, until } from './testing/api-harness';

// A TES task on Docker whose input comes from s3:// and whose outputs go to s3://, through the bundled server, against
// the S3-compatible store of tools/engines/s3.sh (its credentials.env).
jest.setTimeout(180_000);

const TOKEN = 'test-token-s3-0123456789abcdef';
const IMAGE = 'capstan-test/busybox:1';
const store = localS3Server();
const { bucket, secretAccessKey: secret } = store;
const client = new S3Client({ endpoint: store.endpoint, forcePathStyle: true, region: 'us-east-1', credentials: { accessKeyId: store.accessKeyId, secretAccessKey: secret } });
const prefix = `s3-branch-api-${randomBytes(6).toString('hex')}`;

let folder: string;
let api: RunningApi;

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'capstan-api-s3-'));
  await buildApps();
  const env = {
    ...process.env,
    CAPSTAN_API__TRANSFER__S3__ENDPOINT: store.endpoint,
    CAPSTAN_API__TRANSFER__S3__FORCE_PATH_STYLE: 'true',
    CAPSTAN_API__TRANSFER__S3__REGION: 'us-east-1',
    CAPSTAN_API__TRANSFER__S3__ACCESS_KEY_ID: store.accessKeyId,
    CAPSTAN_API__TRANSFER__S3__SECRET_ACCESS_KEY: secret,
  };
  api = await startApi(['--backend', 'docker', '--data-dir', join(folder, 'data'), '--token', TOKEN], { token: TOKEN, env });
});

afterAll(async () => {
  if (api !== undefined) await stopApi(api);
  await rm(folder, { recursive: true, force: true });
});

describe('a TES task with s3:// inputs and outputs', () => {
  it('runs on Docker: an object and a prefix in, a file, a folder and a wildcard out, with their sizes in the output log', async () => {
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: `${prefix}/in/reads.txt`, Body: 'acgt\nttga\n' }));
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: `${prefix}/refs/a.fa`, Body: '>a\n' }));
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: `${prefix}/refs/b/b.fa`, Body: '>bb\n' }));
    const created = await api.call('/tasks', {
      body: {
        name: 's3 round trip',
        inputs: [
          { url: `s3://${bucket}/${prefix}/in/reads.txt`, path: '/data/reads.txt' },
          { url: `s3://${bucket}/${prefix}/refs`, path: '/refs', type: 'DIRECTORY' },
        ],
        outputs: [
          { url: `s3://${bucket}/${prefix}/out/upper.txt`, path: '/work/upper.txt' },
          { url: `s3://${bucket}/${prefix}/out/listing`, path: '/work/listing', type: 'DIRECTORY' },
          { url: `s3://${bucket}/${prefix}/out/glob`, path: '/work/*.txt', path_prefix: '/work/' },
        ],
        executors: [
          {
            image: IMAGE,
            command: ['sh', '-c', 'tr a-z A-Z < /data/reads.txt > /work/upper.txt && mkdir -p /work/listing && cat /refs/a.fa /refs/b/b.fa > /work/listing/refs.txt'],
          },
        ],
        volumes: ['/work'],
      },
    });
    expect(created.status).toBe(200);
    const id = (created.body as { id: string }).id;
    const task = await until(async () => {
      const view = (await api.call(`/tasks/${id}?view=FULL`)).body as { state: string; logs?: Array<{ outputs: unknown[]; system_logs?: string[] }> };
      return ['COMPLETE', 'EXECUTOR_ERROR', 'SYSTEM_ERROR', 'CANCELED'].includes(view.state) ? view : undefined;
    }, 120_000, `task ${id} to end`);
    expect(task).toMatchObject({ state: 'COMPLETE' });
    expect(task.logs?.at(-1)?.outputs).toEqual([
      { url: `s3://${bucket}/${prefix}/out/upper.txt`, path: '/work/upper.txt', size_bytes: '10' },
      { url: `s3://${bucket}/${prefix}/out/listing/refs.txt`, path: '/work/listing/refs.txt', size_bytes: '7' },
      { url: `s3://${bucket}/${prefix}/out/glob/upper.txt`, path: '/work/upper.txt', size_bytes: '10' },
    ]);
    const upper = await client.send(new GetObjectCommand({ Bucket: bucket, Key: `${prefix}/out/upper.txt` }));
    expect(await upper.Body?.transformToString()).toBe('ACGT\nTTGA\n');
    expect(JSON.stringify(task)).not.toContain(secret);
    expect(api.output().stdout + api.output().stderr).not.toContain(secret);
  });

  it('names s3:// in service-info, and refuses an unsupported scheme at creation with a 400 naming the field and the schemes', async () => {
    expect(((await api.call('/service-info', { token: null })).body as { storage: string[] }).storage).toContain('s3://');
    const answer = await api.call('/tasks', { body: { inputs: [{ url: 'az://account/container/x', path: '/in/x' }], executors: [{ image: IMAGE, command: ['true'] }] } });
    expect(answer.status).toBe(400);
    expect(answer.text).toContain('inputs.0.url');
    expect(answer.text).toContain('https:// and s3://');
  });

  it('ends a task whose input object is missing SYSTEM_ERROR, naming the field and the key', async () => {
    const created = await api.call('/tasks', {
      body: { inputs: [{ url: `s3://${bucket}/${prefix}/no-such.txt`, path: '/in/x' }], executors: [{ image: IMAGE, command: ['cat', '/in/x'] }] },
    });
    const id = (created.body as { id: string }).id;
    const task = await until(async () => {
      const view = (await api.call(`/tasks/${id}?view=FULL`)).body as { state: string; logs?: Array<{ system_logs?: string[] }> };
      return view.state === 'SYSTEM_ERROR' || view.state === 'COMPLETE' ? view : undefined;
    }, 60_000, `task ${id} to end`);
    expect(task.state).toBe('SYSTEM_ERROR');
    const systemLogs = task.logs?.at(-1)?.system_logs?.join('\n') ?? '';
    expect(systemLogs).toContain('inputs.0.url');
    expect(systemLogs).toContain(`${prefix}/no-such.txt`);
  });
});
