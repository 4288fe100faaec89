import { AccountSASPermissions, AccountSASResourceTypes, AccountSASServices, generateAccountSASQueryParameters, StorageSharedKeyCredential } from '@azure/storage-blob';
import { azureObjectStore } from '@capstan/azure-store';
import { type ObjectStore } from '@capstan/core-constraints';
import { FileAndHttpTransfer, parseTransferOptions } from '@capstan/transfer';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { azureOptions, sharedAzurite, testContainer } from './testing/azurite-server';
import { describeStoreTransfers } from './testing/object-store-suite';
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

beforeEach(async () => {
  folder = await mkdtemp(join(tmpdir(), 'capstan-azure-store-'));
  prefix = `azure-branch-${randomBytes(6).toString('hex')}`;
});
afterEach(() => rm(folder, { recursive: true, force: true }));

describeStoreTransfers('az:// through the transfer (the tests every store passes)', (testPrefix) => ({
  noun: 'blobs',
  url: (name) => `az://${server.account}/${server.container}/${testPrefix}/${name}`,
  put: (name, body) => container.getBlockBlobClient(`${testPrefix}/${name}`).upload(body, Buffer.byteLength(body)),
  get: async (name) => (await container.getBlobClient(`${testPrefix}/${name}`).downloadToBuffer()).toString('utf8'),
  exists: (name) => container.getBlobClient(`${testPrefix}/${name}`).exists(),
  transfer: (extra) => transferFor(azureOptions(server, extra)),
  wrongCredentials: { options: { accountKey: WRONG_KEY }, secrets: [WRONG_KEY, server.key] },
}));

describe('az:// through the transfer', () => {
  it('reads a blob by the service\'s own URL, and stores an empty file as an empty blob', async () => {
    await put('ref.fa', '>chr1\nACGT\n');
    const direct = `${server.endpoint}/${server.container}/${prefix}/ref.fa`;
    const files = await transferFor().fetchInput({ url: direct, type: 'FILE', hostPath: join(folder, 'direct.fa'), fieldPath: 'inputs.1.url' });
    expect(files).toEqual([{ url: direct, sizeBytes: 11, relativePath: '' }]);
    expect(await readFile(join(folder, 'direct.fa'), 'utf8')).toBe('>chr1\nACGT\n');
    await writeFile(join(folder, 'empty.txt'), '');
    const empty = await transferFor().putOutput({ hostPath: join(folder, 'empty.txt'), within: folder, url: url('empty.txt'), fieldPath: 'outputs.0.url' });
    expect(empty).toEqual([{ url: url('empty.txt'), sizeBytes: 0, relativePath: '' }]);
    expect(await get('empty.txt')).toBe('');
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
