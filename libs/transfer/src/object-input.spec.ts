import { ObjectStoreFailure, type ObjectRead, type ObjectStore, type StoredObject } from '@capstan/core-constraints';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { FileAndHttpTransfer } from './file-and-http-transfer';
import { parseTransferOptions } from './options/transfer-options';
import { rejection } from './test-kit/rejection';
import { TempFolders } from './test-kit/temp-folders';

// The store-independent rules the transfer applies to every object store, against a store held in memory (the real
// S3 store is proven against a real server in libs/wiring's object-storage tests).
class MemoryStore implements ObjectStore {
  readonly schemes = ['mem'];
  constructor(
    private readonly objects: Record<string, string>,
    private readonly shortBy = 0,
  ) {}
  checkAddress(url: URL): void {
    if (url.hostname === 'refused') throw new ObjectStoreFailure('refused', 'the bucket is refused', 'use another');
  }
  describe(): readonly string[] {
    return ['mem://'];
  }
  list(url: URL): Promise<StoredObject[]> {
    const prefix = `${url.pathname.slice(1)}/`;
    return Promise.resolve(
      Object.entries(this.objects)
        .filter(([key]) => key.startsWith(prefix))
        .map(([key, body]) => ({ relativePath: key.slice(prefix.length), sizeBytes: body.length })),
    );
  }
  read(url: URL): Promise<ObjectRead> {
    const body = this.objects[decodeURIComponent(url.pathname.slice(1))];
    if (body === undefined) return Promise.reject(new ObjectStoreFailure('not_found', 'no such object', 'check the key'));
    const sent = Buffer.from(body.slice(0, body.length - this.shortBy));
    return Promise.resolve({ sizeBytes: body.length, body: (async function* () { yield sent; })() });
  }
  write(): Promise<void> {
    return Promise.reject(new Error('not used'));
  }
}

const folders = new TempFolders();
afterEach(() => folders.removeAll());

function transferWith(store: ObjectStore): FileAndHttpTransfer {
  return new FileAndHttpTransfer(parseTransferOptions({ maxInputBytes: 100 }), undefined, undefined, [store]);
}

describe('object store inputs', () => {
  it.each([
    ['a .. part', 'dir/../escape.txt'],
    ['an empty part', 'dir//x.txt'],
    ['a . part', 'dir/./x.txt'],
  ])('refuses a key below the prefix with %s, writing nothing', async (_case, key) => {
    const folder = await folders.make('object-hostile');
    const store = new MemoryStore({ 'dir/ok.txt': 'ok', [key]: 'evil' });
    const error = await rejection(transferWith(store).fetchInput({ url: 'mem://bucket/dir', type: 'DIRECTORY', hostPath: join(folder, 'in'), fieldPath: 'inputs.0.url' }));
    expect(error.code).toBe('transfer.refused');
    expect(await readdir(folder)).toEqual([]);
  });

  it('fails an object whose stream ends short of its size, leaving nothing at the host path', async () => {
    const folder = await folders.make('object-short');
    const error = await rejection(transferWith(new MemoryStore({ 'a.txt': 'abcdef' }, 2)).fetchInput({ url: 'mem://bucket/a.txt', hostPath: join(folder, 'a.txt'), fieldPath: 'inputs.2.url' }));
    expect(error).toMatchObject({ code: 'transfer.failed', path: 'inputs.2.url' });
    expect(error.message).toContain('4 of its 6 bytes');
    expect(await readdir(folder)).toEqual([]);
  });

  it('fails a folder whose objects together pass maxInputBytes, before reading any', async () => {
    const folder = await folders.make('object-limit');
    const store = new MemoryStore({ 'dir/a': 'x'.repeat(60), 'dir/b': 'y'.repeat(60) });
    const error = await rejection(transferWith(store).fetchInput({ url: 'mem://bucket/dir', type: 'DIRECTORY', hostPath: join(folder, 'dir'), fieldPath: 'inputs.0.url' }));
    expect(error.message).toContain('maxInputBytes');
    expect(await readdir(folder)).toEqual([]);
  });

  it('gives a store\'s failure the field and the address', async () => {
    const folder = await folders.make('object-missing');
    const error = await rejection(transferWith(new MemoryStore({})).fetchInput({ url: 'mem://bucket/nope', hostPath: join(folder, 'x'), fieldPath: 'inputs.5.url' }));
    expect(error).toMatchObject({ code: 'transfer.failed', path: 'inputs.5.url', details: { reason: 'not_found', url: 'mem://bucket/nope' } });
    expect(error.message).toBe('inputs.5.url: mem://bucket/nope: no such object; check the key');
  });

  it('refuses at creation what the store refuses, and names its scheme among the supported ones', () => {
    const transfer = transferWith(new MemoryStore({}));
    expect(() => transfer.checkAddress('mem://refused/x', 'in', 'inputs.0.url')).toThrow(expect.objectContaining({ code: 'transfer.refused', path: 'inputs.0.url' }));
    expect(() => transfer.checkAddress('ftp://host/x', 'in', 'inputs.0.url')).toThrow(expect.objectContaining({ message: expect.stringContaining('https:// and mem://') }));
  });
});
