import { GetObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { CapstanError } from '@capstan/core-constraints';
import { objectStores } from '@capstan/s3-store';
import { FileAndHttpTransfer, parseTransferOptions } from '@capstan/transfer';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { s3Options, sharedS3Server, testClient } from './testing/s3-server';

// Against the real S3-compatible store of tools/engines/s3.sh: every test under a prefix of its own.
const server = sharedS3Server();
const client = testClient(server);
const SECRET = 'capstan-s3-wrong-secret-7f3a';

function transferFor(s3: Record<string, unknown> = s3Options(server)): FileAndHttpTransfer {
  return new FileAndHttpTransfer(parseTransferOptions({ maxInputBytes: '1 MiB' }), undefined, undefined, objectStores({ s3 }, 'api.transfer'));
}

async function rejection(promise: Promise<unknown>): Promise<CapstanError> {
  const error = await promise.then(
    () => new Error('it succeeded'),
    (caught: unknown) => caught,
  );
  if (!(error instanceof CapstanError)) throw error;
  return error;
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

describe('s3:// inputs through the transfer', () => {
  it('brings one object to the host path, with its size', async () => {
    await put('ref.fa', '>chr1\nACGT\n');
    const hostPath = join(folder, 'inputs', 'ref.fa');
    const files = await transferFor().fetchInput({ url: url('ref.fa'), type: 'FILE', hostPath, fieldPath: 'inputs.0.url' });
    expect(await readFile(hostPath, 'utf8')).toBe('>chr1\nACGT\n');
    expect(files).toEqual([{ url: url('ref.fa'), sizeBytes: 11, relativePath: '' }]);
  });

  it('brings every object below a prefix as a DIRECTORY', async () => {
    await put('reads/a.fq', 'AAAA');
    await put('reads/lane/b.fq', 'CC');
    await put('readsX/not-below.fq', 'no');
    const hostPath = join(folder, 'reads');
    const files = await transferFor().fetchInput({ url: url('reads'), type: 'DIRECTORY', hostPath, fieldPath: 'inputs.1.url' });
    expect(await readFile(join(hostPath, 'a.fq'), 'utf8')).toBe('AAAA');
    expect(await readFile(join(hostPath, 'lane', 'b.fq'), 'utf8')).toBe('CC');
    expect(files.map((file) => [file.relativePath, file.sizeBytes]).sort()).toEqual([
      ['a.fq', 4],
      ['lane/b.fq', 2],
    ]);
    expect((await readdir(folder, { recursive: true })).sort()).toEqual(['reads', 'reads/a.fq', 'reads/lane', 'reads/lane/b.fq']);
  });

  it('refuses a prefix with more objects than maxListedObjects, writing nothing', async () => {
    await Promise.all(['a', 'b', 'c'].map((name) => put(`many/${name}`, name)));
    const transfer = transferFor(s3Options(server, { maxListedObjects: 2 }));
    const error = await rejection(transfer.fetchInput({ url: url('many'), type: 'DIRECTORY', hostPath: join(folder, 'many'), fieldPath: 'inputs.2.url' }));
    expect(error).toMatchObject({ code: 'transfer.refused', path: 'inputs.2.url' });
    expect(error.message).toContain('more than 2 objects');
    expect(await readdir(folder)).toEqual([]);
  });

  it('fails a missing object, typed, naming the field and the key, and leaves nothing at the host path', async () => {
    const hostPath = join(folder, 'inputs', 'missing.txt');
    const error = await rejection(transferFor().fetchInput({ url: url('missing.txt'), type: 'FILE', hostPath, fieldPath: 'inputs.3.url' }));
    expect(error.code).toBe('transfer.failed');
    expect(error.path).toBe('inputs.3.url');
    expect(error.message).toContain(`${prefix}/missing.txt`);
    expect(error.details['reason']).toBe('not_found');
    expect(await readdir(join(folder, 'inputs'))).toEqual([]);
  });

  it('fails an object over maxInputBytes before writing it', async () => {
    await put('big.bin', 'x'.repeat(1024 * 1024 + 1));
    const error = await rejection(transferFor().fetchInput({ url: url('big.bin'), hostPath: join(folder, 'big.bin'), fieldPath: 'inputs.0.url' }));
    expect(error.message).toContain('maxInputBytes');
    expect(await readdir(folder)).toEqual([]);
  });

  it('refuses bad credentials typed, without the secret or the key in what the client sees', async () => {
    await put('ref.fa', 'x');
    const transfer = transferFor(s3Options(server, { accessKeyId: 'CAPSTANWRONGKEY', secretAccessKey: SECRET }));
    const error = await rejection(transfer.fetchInput({ url: url('ref.fa'), hostPath: join(folder, 'ref.fa'), fieldPath: 'inputs.0.url' }));
    expect(error.code).toBe('transfer.failed');
    expect(error.details['reason']).toBe('denied');
    const shown = JSON.stringify({ message: error.message, details: error.details, cause: String(error.cause) });
    expect(shown).not.toContain(SECRET);
    expect(shown).not.toContain('CAPSTANWRONGKEY');
  });

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

describe('s3:// outputs through the transfer', () => {
  it('stores a file and a folder, reporting each object and its size', async () => {
    const task = join(folder, 'task');
    await mkdir(join(task, 'out', 'sub'), { recursive: true });
    await writeFile(join(task, 'result.txt'), 'done\n');
    await writeFile(join(task, 'out', 'a.txt'), 'A');
    await writeFile(join(task, 'out', 'sub', 'b.txt'), 'BB');
    const transfer = transferFor();
    const file = await transfer.putOutput({ hostPath: join(task, 'result.txt'), within: task, url: url('result.txt'), type: 'FILE', fieldPath: 'outputs.0.url' });
    expect(file).toEqual([{ url: url('result.txt'), sizeBytes: 5, relativePath: '' }]);
    expect(await get('result.txt')).toBe('done\n');
    const tree = await transfer.putOutput({ hostPath: join(task, 'out'), within: task, url: url('out'), type: 'DIRECTORY', fieldPath: 'outputs.1.url' });
    expect(tree.map((entry) => [entry.url, entry.sizeBytes]).sort()).toEqual([
      [url('out/a.txt'), 1],
      [url('out/sub/b.txt'), 2],
    ]);
    expect(await get('out/sub/b.txt')).toBe('BB');
  });

  it('refuses an output that links out of the task folder, and stores nothing', async () => {
    const task = join(folder, 'task');
    await mkdir(join(task, 'out'), { recursive: true });
    await writeFile(join(folder, 'host-secret'), 'the host file');
    await symlink(join(folder, 'host-secret'), join(task, 'stolen.txt'));
    await symlink(join(folder, 'host-secret'), join(task, 'out', 'stolen.txt'));
    const transfer = transferFor();
    const single = await rejection(transfer.putOutput({ hostPath: join(task, 'stolen.txt'), within: task, url: url('stolen.txt'), fieldPath: 'outputs.0.url' }));
    expect(single.code).toBe('transfer.refused');
    const inFolder = await rejection(transfer.putOutput({ hostPath: join(task, 'out'), within: task, url: url('out'), type: 'DIRECTORY', fieldPath: 'outputs.1.url' }));
    expect(inFolder.code).toBe('transfer.refused');
    for (const key of ['stolen.txt', 'out/stolen.txt']) {
      await expect(client.send(new HeadObjectCommand({ Bucket: server.bucket, Key: `${prefix}/${key}` }))).rejects.toMatchObject({ name: 'NotFound' });
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
