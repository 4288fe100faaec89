import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { localS3Server } from '@capstan/backend-test-kit';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApps, type RunningApi, startApi, stopApi } from './testing/api-harness';
import { BUSYBOX, missingInputTask, roundTrip, roundTripOutputs } from './testing/object-store-tasks';

// A TES task on Docker whose input comes from s3:// and whose outputs go to s3://, through the bundled server, against
// the S3-compatible store of tools/engines/s3.sh (its credentials.env).
jest.setTimeout(180_000);

const TOKEN = 'test-token-s3-0123456789abcdef';
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
    const s3 = (name: string): string => `s3://${bucket}/${prefix}/${name}`;
    const task = await roundTrip(api, s3);
    expect(task).toMatchObject({ state: 'COMPLETE' });
    expect(task.logs?.at(-1)?.outputs).toEqual(roundTripOutputs(s3));
    const upper = await client.send(new GetObjectCommand({ Bucket: bucket, Key: `${prefix}/out/upper.txt` }));
    expect(await upper.Body?.transformToString()).toBe('ACGT\nTTGA\n');
    expect(JSON.stringify(task)).not.toContain(secret);
    expect(api.output().stdout + api.output().stderr).not.toContain(secret);
  });

  it('names s3:// in service-info, and refuses an unsupported scheme at creation with a 400 naming the field and the schemes', async () => {
    expect(((await api.call('/service-info', { token: null })).body as { storage: string[] }).storage).toContain('s3://');
    const answer = await api.call('/tasks', { body: { inputs: [{ url: 'az://account/container/x', path: '/in/x' }], executors: [{ image: BUSYBOX, command: ['true'] }] } });
    expect(answer.status).toBe(400);
    expect(answer.text).toContain('inputs.0.url');
    expect(answer.text).toContain('https:// and s3://');
  });

  it('ends a task whose input object is missing SYSTEM_ERROR, naming the field and the key', async () => {
    const task = await missingInputTask(api, `s3://${bucket}/${prefix}/no-such.txt`);
    expect(task.state).toBe('SYSTEM_ERROR');
    expect(task.systemLogs).toContain('inputs.0.url');
    expect(task.systemLogs).toContain(`${prefix}/no-such.txt`);
  });
});
