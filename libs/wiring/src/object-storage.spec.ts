import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { type CapstanError } from '@capstan/core-constraints';
import { objectStores } from '@capstan/s3-store';
import { FileAndHttpTransfer, parseTransferOptions } from '@capstan/transfer';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeStoreTransfers } from './testing/object-store-suite';
import { rejection } from './testing/rejection';
import { objectExists, s3Options, sharedS3Server, testClient } from './testing/s3-server';

// Against the real S3-compatible store of tools/engines/s3.sh: every test under a prefix of its own.
const server = sharedS3Server();
const client = testClient(server);
const SECRET = 'capstan-s3-wrong-secret-7f3a';

function transferFor(s3: Record<string, unknown> = s3Options(server)): FileAndHttpTransfer {
  return new FileAndHttpTransfer(parseTransferOptions({ maxInputBytes: '1 MiB' }), undefined, undefined, objectStores({ s3 }, 'api.transfer'));
}

let folder: string;
let prefix: string;
const url = (key: string): string => `s3://${server.bucket}/${prefix}/${key}`;
const put = (key: string, body: string): Promise<unknown> => client.send(new PutObjectCommand({ Bucket: server.bucket, Key: `${prefix}/${key}`, Body: body }));
const get = async (key: string): Promise<string> =>
  (await client.send(new GetObjectCommand({ Bucket: server.bucket, Key: `${prefix}/${key}` }))).Body?.transformToString() ?? '';

beforeEach(async () => {
  folder = await mkdtemp(join(tmpdir(), 'capstan-s3-store-'));
  prefix = `s3-branch-${randomBytes(6).toString('hex')}`;
});
afterEach(() => rm(folder, { recursive: true, force: true }));

describeStoreTransfers('s3:// through the transfer (the tests every store passes)', (testPrefix) => ({
  noun: 'objects',
  url: (key) => `s3://${server.bucket}/${testPrefix}/${key}`,
  put: (key, body) => client.send(new PutObjectCommand({ Bucket: server.bucket, Key: `${testPrefix}/${key}`, Body: body })),
  get: async (key) => (await client.send(new GetObjectCommand({ Bucket: server.bucket, Key: `${testPrefix}/${key}` }))).Body?.transformToString() ?? '',
  exists: (key) => objectExists(client, server.bucket, `${testPrefix}/${key}`),
  transfer: (extra) => transferFor(s3Options(server, extra)),
  wrongCredentials: { options: { accessKeyId: 'CAPSTANWRONGKEY', secretAccessKey: SECRET }, secrets: [SECRET, 'CAPSTANWRONGKEY'] },
}));

describe('s3:// inputs through the transfer', () => {
  it('refuses a credential written into the URL, at creation and at transfer, and never shows it', async () => {
    const address = `s3://AKIAX:${SECRET}@${server.bucket}/k`;
    const error = await rejection(transferFor().fetchInput({ url: address, hostPath: join(folder, 'k'), fieldPath: 'inputs.0.url' }));
    expect(error.code).toBe('transfer.refused');
    expect(JSON.stringify({ message: error.message, details: error.details })).not.toContain(SECRET);
    let atCreation: unknown;
    try {
      transferFor().checkAddress(address, 'in', 'inputs.0.url');
    } catch (caught) {
      atCreation = caught;
    }
    expect(atCreation).toMatchObject({ code: 'transfer.refused', path: 'inputs.0.url' });
    expect(JSON.stringify({ message: (atCreation as Error).message, details: (atCreation as CapstanError).details })).not.toContain(SECRET);
  });
});

describe('the region', () => {
  it('is us-east-1 when neither the options nor the standard chain name one', async () => {
    const saved = { AWS_REGION: process.env['AWS_REGION'], AWS_DEFAULT_REGION: process.env['AWS_DEFAULT_REGION'], AWS_CONFIG_FILE: process.env['AWS_CONFIG_FILE'] };
    delete process.env['AWS_REGION'];
    delete process.env['AWS_DEFAULT_REGION'];
    process.env['AWS_CONFIG_FILE'] = join(folder, 'no-aws-config');
    try {
      await put('r.txt', 'r');
      const { region: _omitted, ...withoutRegion } = s3Options(server);
      const files = await transferFor(withoutRegion).fetchInput({ url: url('r.txt'), hostPath: join(folder, 'r.txt'), fieldPath: 'inputs.0.url' });
      expect(files).toEqual([{ url: url('r.txt'), sizeBytes: 1, relativePath: '' }]);
    } finally {
      for (const [key, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
  });
});

describe('gs:// through the S3-compatible API (proven against the S3 server here, not against GCS)', () => {
  it('stores an object with the gs store\'s own keys and endpoint, and serves no s3:// with them', async () => {
    const gs = { endpoint: server.endpoint, forcePathStyle: true, region: 'us-east-1', accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey };
    const transfer = new FileAndHttpTransfer(parseTransferOptions({}), undefined, undefined, objectStores({ gs }));
    await writeFile(join(folder, 'x.txt'), 'via gs');
    const written = await transfer.putOutput({ hostPath: join(folder, 'x.txt'), within: folder, url: `gs://${server.bucket}/${prefix}/x.txt`, fieldPath: 'outputs.0.url' });
    expect(written).toEqual([{ url: `gs://${server.bucket}/${prefix}/x.txt`, sizeBytes: 6, relativePath: '' }]);
    expect(await get('x.txt')).toBe('via gs');
    expect(() => transfer.checkAddress(`s3://${server.bucket}/x`, 'in', 'inputs.0.url')).toThrow(expect.objectContaining({ code: 'transfer.refused' }));
  });

  it('refuses a gs section without HMAC keys, naming the field', () => {
    expect(() => objectStores({ gs: {} }, 'api.transfer')).toThrow(expect.objectContaining({ path: 'api.transfer.gs.accessKeyId' }));
  });
});

describe('s3:// addresses', () => {
  const transfer = transferFor();
  it.each([
    ['an upper-case bucket', 's3://Bad_Bucket/key', 'bucket name'],
    ['a two-letter bucket', 's3://ab/key', 'bucket name'],
    ['a query', 's3://bucket/key?versionId=1', 'query'],
    ['a key over 1024 bytes', `s3://bucket/${'k'.repeat(1025)}`, '1024'],
  ])('refuses %s at creation', (_name, address, words) => {
    expect(() => transfer.checkAddress(address, 'in', 'inputs.0.url')).toThrow(expect.objectContaining({ code: 'transfer.refused', path: 'inputs.0.url', message: expect.stringContaining(words) }));
  });

  it('refuses a scheme no store serves, naming the schemes it speaks', () => {
    expect(() => transfer.checkAddress('az://account/container/blob', 'in', 'inputs.0.url')).toThrow(expect.objectContaining({ message: expect.stringContaining('http://, https:// and s3://') }));
  });

  it('refuses a bucket outside the configured buckets', () => {
    const limited = transferFor(s3Options(server, { buckets: ['only-this'] }));
    expect(() => limited.checkAddress(`s3://${server.bucket}/k`, 'out', 'outputs.0.url')).toThrow(expect.objectContaining({ message: expect.stringContaining('only-this') }));
  });
});
