import { AccountSASPermissions, AccountSASResourceTypes, AccountSASServices, generateAccountSASQueryParameters, StorageSharedKeyCredential } from '@azure/storage-blob';
import { azureObjectStore } from '@capstan/azure-store';
import { type ObjectStore } from '@capstan/core-constraints';
import { FileAndHttpTransfer, parseTransferOptions } from '@capstan/transfer';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { azureOptions, sharedAzurite, testContainer } from './testing/azurite-server';
import { rejection } from './testing/rejection';

// Against the real Azurite of tools/engines/azurite.sh: every test under a prefix of its own.
const server = sharedAzurite();
const container = testContainer(server);
const WRONG_KEY = Buffer.from('capstan-azure-wrong-key-5d1e').toString('base64');

function storeFor(azure: Record<string, unknown>): ObjectStore {
  const store = azureObjectStore(azure, 'api.transfer.azure');
  if (store === null) throw new Error('no store');
  return store;
}

function transferFor(azure: Record<string, unknown> = azureOptions(server)): FileAndHttpTransfer {
  return new FileAndHttpTransfer(parseTransferOptions({ maxInputBytes: '1 MiB' }), undefined, undefined, [storeFor(azure)]);
}

let folder: string;
let prefix: string;
const url = (name: string): string => `az://${server.account}/${server.container}/${prefix}/${name}`;
const put = (name: string, body: string): Promise<unknown> => container.getBlockBlobClient(`${prefix}/${name}`).upload(body, Buffer.byteLength(body));
const get = async (name: string): Promise<string> => (await container.getBlobClient(`${prefix}/${name}`).downloadToBuffer()).toString('utf8');
const exists = (name: string): Promise<boolean> => container.getBlobClient(`${prefix}/${name}`).exists();

beforeEach(async () => {
  folder = await mkdtemp(join(tmpdir(), 'capstan-azure-store-'));
  prefix = `azure-branch-${randomBytes(6).toString('hex')}`;
});
afterEach(() => rm(folder, { recursive: true, force: true }));

describe('az:// inputs through the transfer', () => {
  it('brings one blob to the host path, with its size, by az:// and by the service\'s own URL', async () => {
    await put('ref.fa', '>chr1\nACGT\n');
    const hostPath = join(folder, 'inputs', 'ref.fa');
    const files = await transferFor().fetchInput({ url: url('ref.fa'), type: 'FILE', hostPath, fieldPath: 'inputs.0.url' });
    expect(await readFile(hostPath, 'utf8')).toBe('>chr1\nACGT\n');
    expect(files).toEqual([{ url: url('ref.fa'), sizeBytes: 11, relativePath: '' }]);
    const direct = `${server.endpoint}/${server.container}/${prefix}/ref.fa`;
    const again = await transferFor().fetchInput({ url: direct, type: 'FILE', hostPath: join(folder, 'direct.fa'), fieldPath: 'inputs.1.url' });
    expect(again).toEqual([{ url: direct, sizeBytes: 11, relativePath: '' }]);
    expect(await readFile(join(folder, 'direct.fa'), 'utf8')).toBe('>chr1\nACGT\n');
  });

  it('brings every blob below a prefix as a DIRECTORY', async () => {
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

  it('refuses a prefix with more blobs than maxListedObjects, writing nothing', async () => {
    await Promise.all(['a', 'b', 'c'].map((name) => put(`many/${name}`, name)));
    const transfer = transferFor(azureOptions(server, { maxListedObjects: 2 }));
    const error = await rejection(transfer.fetchInput({ url: url('many'), type: 'DIRECTORY', hostPath: join(folder, 'many'), fieldPath: 'inputs.2.url' }));
    expect(error).toMatchObject({ code: 'transfer.refused', path: 'inputs.2.url' });
    expect(error.message).toContain('more than 2 blobs');
    expect(await readdir(folder)).toEqual([]);
  });

  it('fails a missing blob, typed, naming the field and the blob, and leaves nothing at the host path', async () => {
    const hostPath = join(folder, 'inputs', 'missing.txt');
    const error = await rejection(transferFor().fetchInput({ url: url('missing.txt'), type: 'FILE', hostPath, fieldPath: 'inputs.3.url' }));
    expect(error).toMatchObject({ code: 'transfer.failed', path: 'inputs.3.url' });
    expect(error.message).toContain(`${prefix}/missing.txt`);
    expect(error.details['reason']).toBe('not_found');
    expect(await readdir(join(folder, 'inputs'))).toEqual([]);
  });

  it('refuses a wrong account key typed, without the key in what the client sees', async () => {
    await put('ref.fa', 'x');
    const transfer = transferFor(azureOptions(server, { accountKey: WRONG_KEY }));
    const error = await rejection(transfer.fetchInput({ url: url('ref.fa'), hostPath: join(folder, 'ref.fa'), fieldPath: 'inputs.0.url' }));
    expect(error).toMatchObject({ code: 'transfer.failed', path: 'inputs.0.url' });
    expect(error.details['reason']).toBe('denied');
    const shown = JSON.stringify({ message: error.message, details: error.details, cause: String(error.cause) });
    expect(shown).not.toContain(WRONG_KEY);
    expect(shown).not.toContain(server.key);
    expect(await readdir(folder)).toEqual([]);
  });

  it('refuses a credential or a SAS token written into the URL, at creation and at transfer, and never shows it', async () => {
    const secret = 'sig=capstan-azure-url-secret';
    const addresses = [
      `az://user:${secret}@${server.account}/${server.container}/k`,
      `${server.endpoint}/${server.container}/k?sv=2021&${secret}`,
      `${server.endpoint.replace('http://', `http://user:${secret}@`)}/${server.container}/k`,
    ];
    for (const address of addresses) {
      const error = await rejection(transferFor().fetchInput({ url: address, hostPath: join(folder, 'k'), fieldPath: 'inputs.0.url' }));
      expect(error).toMatchObject({ code: 'transfer.refused', path: 'inputs.0.url' });
      expect(JSON.stringify({ message: error.message, details: error.details })).not.toContain(secret);
      expect(() => transferFor().checkAddress(address, 'in', 'inputs.0.url')).toThrow(expect.objectContaining({ code: 'transfer.refused', path: 'inputs.0.url' }));
    }
    expect(await readdir(folder)).toEqual([]);
  });
});

describe('az:// outputs through the transfer', () => {
  it('stores a file and a folder, reporting each blob and its size', async () => {
    const task = join(folder, 'task');
    await mkdir(join(task, 'out', 'sub'), { recursive: true });
    await writeFile(join(task, 'result.txt'), 'done\n');
    await writeFile(join(task, 'out', 'a.txt'), 'A');
    await writeFile(join(task, 'out', 'sub', 'b.txt'), 'BB');
    await writeFile(join(task, 'out', 'empty.txt'), '');
    const transfer = transferFor();
    const file = await transfer.putOutput({ hostPath: join(task, 'result.txt'), within: task, url: url('result.txt'), type: 'FILE', fieldPath: 'outputs.0.url' });
    expect(file).toEqual([{ url: url('result.txt'), sizeBytes: 5, relativePath: '' }]);
    expect(await get('result.txt')).toBe('done\n');
    const tree = await transfer.putOutput({ hostPath: join(task, 'out'), within: task, url: url('out'), type: 'DIRECTORY', fieldPath: 'outputs.1.url' });
    expect(tree.map((entry) => [entry.url, entry.sizeBytes]).sort()).toEqual([
      [url('out/a.txt'), 1],
      [url('out/empty.txt'), 0],
      [url('out/sub/b.txt'), 2],
    ]);
    expect(await get('out/sub/b.txt')).toBe('BB');
    expect(await get('out/empty.txt')).toBe('');
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
    expect([await exists('stolen.txt'), await exists('out/stolen.txt')]).toEqual([false, false]);
  });
});

describe('az:// addresses and options', () => {
  const transfer = transferFor();
  it.each([
    ['an upper-case container', `az://${server.account}/Bad_Container/blob`, 'container name'],
    ['a container with two hyphens in a row', `az://${server.account}/a--b/blob`, 'container name'],
    ['another account', `az://otheraccount/${server.container}/blob`, 'storage account'],
    ['a blob name over 1024 characters', `az://${server.account}/${server.container}/${'k'.repeat(1025)}`, '1024'],
    ['a NUL in the blob name', `az://${server.account}/${server.container}/a%00b`, 'NUL'],
  ])('refuses %s at creation', (_name, address, words) => {
    expect(() => transfer.checkAddress(address, 'in', 'inputs.0.url')).toThrow(expect.objectContaining({ code: 'transfer.refused', path: 'inputs.0.url', message: expect.stringContaining(words) }));
  });

  it('refuses a container outside the configured containers, and names az:// among the schemes', () => {
    const limited = transferFor(azureOptions(server, { containers: ['only-this'] }));
    expect(() => limited.checkAddress(url('k'), 'out', 'outputs.0.url')).toThrow(expect.objectContaining({ message: expect.stringContaining('only-this') }));
    expect(() => limited.checkAddress('s3://bucket/key', 'in', 'inputs.0.url')).toThrow(expect.objectContaining({ message: expect.stringContaining('https:// and az://') }));
    expect(storeFor(azureOptions(server, { containers: ['only-this'] })).describe()).toEqual([`az://${server.account}/only-this/`, `${server.endpoint}/only-this/`]);
  });

  it('signs in with a connection string, and with a SAS token', async () => {
    await put('cs.txt', 'by connection string');
    const connectionString = `DefaultEndpointsProtocol=http;AccountName=${server.account};AccountKey=${server.key};BlobEndpoint=${server.endpoint};`;
    await transferFor({ connectionString }).fetchInput({ url: url('cs.txt'), hostPath: join(folder, 'cs.txt'), fieldPath: 'inputs.0.url' });
    expect(await readFile(join(folder, 'cs.txt'), 'utf8')).toBe('by connection string');
    const sasToken = generateAccountSASQueryParameters(
      {
        expiresOn: new Date(Date.now() + 3_600_000),
        permissions: AccountSASPermissions.parse('rl'),
        resourceTypes: AccountSASResourceTypes.parse('sco').toString(),
        services: AccountSASServices.parse('b').toString(),
      },
      new StorageSharedKeyCredential(server.account, server.key),
    ).toString();
    await transferFor({ account: server.account, endpoint: server.endpoint, sasToken }).fetchInput({ url: url('cs.txt'), hostPath: join(folder, 'sas.txt'), fieldPath: 'inputs.0.url' });
    expect(await readFile(join(folder, 'sas.txt'), 'utf8')).toBe('by connection string');
    // The token reads only: a write is denied, typed, and the token is not in what the client sees.
    await writeFile(join(folder, 'w.txt'), 'w');
    const denied = await rejection(
      transferFor({ account: server.account, endpoint: server.endpoint, sasToken }).putOutput({ hostPath: join(folder, 'w.txt'), within: folder, url: url('w.txt'), fieldPath: 'outputs.0.url' }),
    );
    expect(denied.details['reason']).toBe('denied');
    expect(JSON.stringify({ message: denied.message, details: denied.details })).not.toContain(sasToken.slice(-20));
  });

  it.each([
    ['no credential', { account: 'acct' }, 'api.transfer.azure.connectionString'],
    ['two credentials', { account: 'acct', accountKey: 'a2V5', sasToken: 'sv=1' }, 'api.transfer.azure.connectionString'],
    ['a key without an account', { accountKey: 'a2V5' }, 'api.transfer.azure.account'],
    ['a connection string that is not Key=value pairs', { connectionString: 'garbage-with-secret' }, 'api.transfer.azure.connectionString'],
    ['a connection string naming no account', { connectionString: 'AccountKey=c2VjcmV0LWtleQ==' }, 'api.transfer.azure.connectionString'],
  ])('refuses options with %s, naming the field and never quoting a secret', (_name, options, path) => {
    let error: unknown;
    try {
      azureObjectStore(options, 'api.transfer.azure');
    } catch (caught) {
      error = caught;
    }
    expect(error).toMatchObject({ code: 'config.invalid', path });
    const shown = JSON.stringify({ message: (error as Error).message, details: (error as { details?: unknown }).details });
    for (const secret of ['a2V5', 'sv=1', 'garbage-with-secret', 'c2VjcmV0LWtleQ==']) expect(shown).not.toContain(secret);
  });
});
