import { type FileAndHttpTransfer } from '@capstan/transfer';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rejection } from './rejection';

/** One object store as the shared transfer tests drive it, every name below the test's own prefix. */
export interface StoreUnderTest {
  /** What the store calls its objects in messages (`objects`, `blobs`). */
  readonly noun: string;
  url(name: string): string;
  put(name: string, body: string): Promise<unknown>;
  get(name: string): Promise<string>;
  exists(name: string): Promise<boolean>;
  /** A transfer with the store, its options changed by `extra` (maxInputBytes 1 MiB). */
  transfer(extra?: Record<string, unknown>): FileAndHttpTransfer;
  /** Options with credentials the store refuses, and the strings of them no client may see. */
  readonly wrongCredentials: { readonly options: Record<string, unknown>; readonly secrets: readonly string[] };
}

/**
 * The transfer tests every object store passes against its real server: a file and a prefix in, limits, a missing
 * object, refused credentials, a file and a folder out with their sizes, an output linking out of the task's folder.
 * `make` gets the test's own prefix (and folder) in each test.
 */
export function describeStoreTransfers(title: string, make: (prefix: string) => StoreUnderTest): void {
  describe(title, () => {
    let folder: string;
    let prefix: string;
    let store: StoreUnderTest;
    beforeEach(async () => {
      folder = await mkdtemp(join(tmpdir(), 'capstan-store-suite-'));
      prefix = `store-suite-${randomBytes(6).toString('hex')}`;
      store = make(prefix);
    });
    afterEach(() => rm(folder, { recursive: true, force: true }));

    it('brings one object to the host path, with its size', async () => {
      await store.put('ref.fa', '>chr1\nACGT\n');
      const hostPath = join(folder, 'inputs', 'ref.fa');
      const files = await store.transfer().fetchInput({ url: store.url('ref.fa'), type: 'FILE', hostPath, fieldPath: 'inputs.0.url' });
      expect(await readFile(hostPath, 'utf8')).toBe('>chr1\nACGT\n');
      expect(files).toEqual([{ url: store.url('ref.fa'), sizeBytes: 11, relativePath: '' }]);
    });

    it('brings every object below a prefix as a DIRECTORY', async () => {
      await Promise.all([store.put('reads/a.fq', 'AAAA'), store.put('reads/lane/b.fq', 'CC'), store.put('readsX/not-below.fq', 'no')]);
      const hostPath = join(folder, 'reads');
      const files = await store.transfer().fetchInput({ url: store.url('reads'), type: 'DIRECTORY', hostPath, fieldPath: 'inputs.1.url' });
      expect(await readFile(join(hostPath, 'a.fq'), 'utf8')).toBe('AAAA');
      expect(await readFile(join(hostPath, 'lane', 'b.fq'), 'utf8')).toBe('CC');
      expect(files.map((file) => [file.relativePath, file.sizeBytes]).sort()).toEqual([
        ['a.fq', 4],
        ['lane/b.fq', 2],
      ]);
      expect((await readdir(folder, { recursive: true })).sort()).toEqual(['reads', 'reads/a.fq', 'reads/lane', 'reads/lane/b.fq']);
    });

    it('refuses a prefix with more objects than maxListedObjects, writing nothing', async () => {
      await Promise.all(['a', 'b', 'c'].map((name) => store.put(`many/${name}`, name)));
      const error = await rejection(store.transfer({ maxListedObjects: 2 }).fetchInput({ url: store.url('many'), type: 'DIRECTORY', hostPath: join(folder, 'many'), fieldPath: 'inputs.2.url' }));
      expect(error).toMatchObject({ code: 'transfer.refused', path: 'inputs.2.url' });
      expect(error.message).toContain(`more than 2 ${store.noun}`);
      expect(await readdir(folder)).toEqual([]);
    });

    it('fails a missing object, typed, naming the field and the name, and leaves nothing at the host path', async () => {
      const hostPath = join(folder, 'inputs', 'missing.txt');
      const error = await rejection(store.transfer().fetchInput({ url: store.url('missing.txt'), type: 'FILE', hostPath, fieldPath: 'inputs.3.url' }));
      expect(error).toMatchObject({ code: 'transfer.failed', path: 'inputs.3.url' });
      expect(error.message).toContain(`${prefix}/missing.txt`);
      expect(error.details['reason']).toBe('not_found');
      expect(await readdir(join(folder, 'inputs'))).toEqual([]);
    });

    it('fails an object over maxInputBytes before writing it', async () => {
      await store.put('big.bin', 'x'.repeat(1024 * 1024 + 1));
      const error = await rejection(store.transfer().fetchInput({ url: store.url('big.bin'), hostPath: join(folder, 'big.bin'), fieldPath: 'inputs.0.url' }));
      expect(error.message).toContain('maxInputBytes');
      expect(await readdir(folder)).toEqual([]);
    });

    it('refuses bad credentials typed, without the secret or the key in what the client sees', async () => {
      await store.put('ref.fa', 'x');
      const error = await rejection(store.transfer(store.wrongCredentials.options).fetchInput({ url: store.url('ref.fa'), hostPath: join(folder, 'ref.fa'), fieldPath: 'inputs.0.url' }));
      expect(error).toMatchObject({ code: 'transfer.failed', path: 'inputs.0.url' });
      expect(error.details['reason']).toBe('denied');
      const shown = JSON.stringify({ message: error.message, details: error.details, cause: String(error.cause) });
      for (const secret of store.wrongCredentials.secrets) expect(shown).not.toContain(secret);
      expect(await readdir(folder)).toEqual([]);
    });

    it('stores a file and a folder, reporting each object and its size', async () => {
      const task = join(folder, 'task');
      await mkdir(join(task, 'out', 'sub'), { recursive: true });
      await writeFile(join(task, 'result.txt'), 'done\n');
      await writeFile(join(task, 'out', 'a.txt'), 'A');
      await writeFile(join(task, 'out', 'sub', 'b.txt'), 'BB');
      const transfer = store.transfer();
      const file = await transfer.putOutput({ hostPath: join(task, 'result.txt'), within: task, url: store.url('result.txt'), type: 'FILE', fieldPath: 'outputs.0.url' });
      expect(file).toEqual([{ url: store.url('result.txt'), sizeBytes: 5, relativePath: '' }]);
      expect(await store.get('result.txt')).toBe('done\n');
      const tree = await transfer.putOutput({ hostPath: join(task, 'out'), within: task, url: store.url('out'), type: 'DIRECTORY', fieldPath: 'outputs.1.url' });
      expect(tree.map((entry) => [entry.url, entry.sizeBytes]).sort()).toEqual([
        [store.url('out/a.txt'), 1],
        [store.url('out/sub/b.txt'), 2],
      ]);
      expect(await store.get('out/sub/b.txt')).toBe('BB');
    });

    it('refuses an output that links out of the task folder, and stores nothing', async () => {
      const task = join(folder, 'task');
      await mkdir(join(task, 'out'), { recursive: true });
      await writeFile(join(folder, 'host-secret'), 'the host file');
      await symlink(join(folder, 'host-secret'), join(task, 'stolen.txt'));
      await symlink(join(folder, 'host-secret'), join(task, 'out', 'stolen.txt'));
      const transfer = store.transfer();
      const single = await rejection(transfer.putOutput({ hostPath: join(task, 'stolen.txt'), within: task, url: store.url('stolen.txt'), fieldPath: 'outputs.0.url' }));
      expect(single.code).toBe('transfer.refused');
      const inFolder = await rejection(transfer.putOutput({ hostPath: join(task, 'out'), within: task, url: store.url('out'), type: 'DIRECTORY', fieldPath: 'outputs.1.url' }));
      expect(inFolder.code).toBe('transfer.refused');
      expect([await store.exists('stolen.txt'), await store.exists('out/stolen.txt')]).toEqual([false, false]);
    });
  });
}
