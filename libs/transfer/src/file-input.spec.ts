import { ErrorCode } from '@capstan/core-constraints';
import { chmod, mkdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { execFileSync } from 'node:child_process';
import { FileAndHttpTransfer } from './file-and-http-transfer';
import { parseTransferOptions, type TransferOptions } from './options/transfer-options';
import { type TransferProgress } from './progress/progress-reporter';
import { rejection } from './test-kit/rejection';
import { listAll, TempFolders } from './test-kit/temp-folders';

const folders = new TempFolders();
afterEach(() => folders.removeAll());

interface Setup {
  readonly root: string;
  readonly outside: string;
  readonly hostInputs: string;
  readonly transfer: FileAndHttpTransfer;
}

/** An allowed root with `ref/genome.fa` (executable script too) and `dataset/` (a tree), a folder outside it, a target folder. */
async function setup(options: Omit<TransferOptions, 'allowedRoots'> = {}): Promise<Setup> {
  const root = await folders.make('root');
  const outside = await folders.make('outside');
  const hostInputs = await folders.make('inputs');
  await mkdir(join(root, 'ref'));
  await writeFile(join(root, 'ref', 'genome.fa'), '>chr1\nACGT\n');
  await writeFile(join(root, 'ref', 'run.sh'), '#!/bin/sh\necho hi\n');
  await chmod(join(root, 'ref', 'run.sh'), 0o755);
  await mkdir(join(root, 'dataset', 'lane 1', 'empty'), { recursive: true });
  await writeFile(join(root, 'dataset', 'sample.csv'), 'id,reads\n1,20\n');
  await writeFile(join(root, 'dataset', 'lane 1', 'r1.fq'), '@r1\nAC\n+\nII\n');
  await writeFile(join(outside, 'secret.txt'), 'do not copy');
  const transfer = new FileAndHttpTransfer(parseTransferOptions({ allowedRoots: [root], progressIntervalMs: 0, ...options }));
  return { root, outside, hostInputs, transfer };
}

describe('fetchInput from file://', () => {
  it('copies a FILE under an allowed root, keeping its permission bits', async () => {
    const { root, hostInputs, transfer } = await setup();
    const url = pathToFileURL(join(root, 'ref', 'run.sh')).href;
    const written = await transfer.fetchInput({ url, hostPath: join(hostInputs, 'bin', 'run.sh'), fieldPath: 'inputs.0.url' });
    expect(await readFile(join(hostInputs, 'bin', 'run.sh'), 'utf8')).toBe('#!/bin/sh\necho hi\n');
    expect((await stat(join(hostInputs, 'bin', 'run.sh'))).mode & 0o777).toBe(0o755);
    expect(written).toEqual([{ url, sizeBytes: 18, relativePath: '' }]);
    expect(await listAll(hostInputs)).toEqual(['bin', 'bin/run.sh']);
  });

  it('accepts a plain absolute path as the url, as the TES spec lists', async () => {
    const { root, hostInputs, transfer } = await setup();
    await transfer.fetchInput({ url: join(root, 'ref', 'genome.fa'), hostPath: join(hostInputs, 'g.fa'), fieldPath: 'inputs.0.url' });
    expect(await readFile(join(hostInputs, 'g.fa'), 'utf8')).toBe('>chr1\nACGT\n');
  });

  it('copies a DIRECTORY recursively, empty folders included, with progress over all files', async () => {
    const { root, hostInputs, transfer } = await setup();
    const url = pathToFileURL(join(root, 'dataset')).href;
    const events: TransferProgress[] = [];
    const written = await transfer.fetchInput({ url, type: 'DIRECTORY', hostPath: join(hostInputs, 'data'), fieldPath: 'inputs.1.url' }, undefined, (event) =>
      events.push(event),
    );
    expect(await listAll(join(hostInputs, 'data'))).toEqual(['lane 1', 'lane 1/empty', 'lane 1/r1.fq', 'sample.csv']);
    expect(await readFile(join(hostInputs, 'data', 'lane 1', 'r1.fq'), 'utf8')).toBe('@r1\nAC\n+\nII\n');
    expect(written).toEqual([
      { url: `${url}/lane%201/r1.fq`, sizeBytes: 12, relativePath: 'lane 1/r1.fq' },
      { url: `${url}/sample.csv`, sizeBytes: 14, relativePath: 'sample.csv' },
    ]);
    expect(events[0]).toEqual({ direction: 'in', url, bytesDone: 0, bytesTotal: 26 });
    expect(events.at(-1)).toEqual({ direction: 'in', url, bytesDone: 26, bytesTotal: 26 });
    expect(await listAll(hostInputs)).toEqual(['data', 'data/lane 1', 'data/lane 1/empty', 'data/lane 1/r1.fq', 'data/sample.csv']);
  });

  it('follows a link inside the folder that stays under the roots', async () => {
    const { root, hostInputs, transfer } = await setup();
    await symlink(join(root, 'ref', 'genome.fa'), join(root, 'dataset', 'genome.fa'));
    await transfer.fetchInput({ url: join(root, 'dataset'), type: 'DIRECTORY', hostPath: join(hostInputs, 'd'), fieldPath: 'inputs.0.url' });
    expect(await readFile(join(hostInputs, 'd', 'genome.fa'), 'utf8')).toBe('>chr1\nACGT\n');
  });

  it('refuses a path outside the roots without touching it', async () => {
    const { outside, hostInputs, transfer } = await setup();
    const url = pathToFileURL(join(outside, 'secret.txt')).href;
    const error = await rejection(transfer.fetchInput({ url, hostPath: join(hostInputs, 's'), fieldPath: 'inputs.4.url' }));
    expect(error.code).toBe(ErrorCode.TransferRefused);
    expect(error.path).toBe('inputs.4.url');
    expect(error.message).toMatch(/^inputs\.4\.url: file:\/\/.*secret\.txt is outside the folders this server may read \(.*\); use a path under one of them/);
    const dotted = await rejection(
      transfer.fetchInput({ url: `${pathToFileURL(join(outside, '..')).href}/../etc/passwd`, hostPath: join(hostInputs, 's'), fieldPath: 'inputs.5.url' }),
    );
    expect(dotted.code).toBe(ErrorCode.TransferRefused);
    expect(await listAll(hostInputs)).toEqual([]);
  });

  it('refuses every file:// url when no root is allowed', async () => {
    const { root, hostInputs } = await setup();
    const closed = new FileAndHttpTransfer(parseTransferOptions({}));
    const error = await rejection(closed.fetchInput({ url: join(root, 'ref', 'genome.fa'), hostPath: join(hostInputs, 'g'), fieldPath: 'inputs.0.url' }));
    expect(error.code).toBe(ErrorCode.TransferRefused);
    expect(error.message).toContain('file:// transfers are turned off on this server (no allowed roots)');
  });

  it('refuses a link under a root that leads outside, found after resolving it', async () => {
    const { root, outside, hostInputs, transfer } = await setup();
    await symlink(join(outside, 'secret.txt'), join(root, 'ref', 'escape.txt'));
    await symlink(outside, join(root, 'shortcut'));
    const viaFile = await rejection(transfer.fetchInput({ url: join(root, 'ref', 'escape.txt'), hostPath: join(hostInputs, 'a'), fieldPath: 'inputs.0.url' }));
    expect(viaFile.code).toBe(ErrorCode.TransferRefused);
    expect(viaFile.message).toContain(`leads through a symbolic link to ${join(outside, 'secret.txt')}, outside the folders this server may read`);
    const viaFolder = await rejection(
      transfer.fetchInput({ url: join(root, 'shortcut', 'secret.txt'), hostPath: join(hostInputs, 'b'), fieldPath: 'inputs.1.url' }),
    );
    expect(viaFolder.code).toBe(ErrorCode.TransferRefused);
    expect(await listAll(hostInputs)).toEqual([]);
  });

  it('refuses a DIRECTORY holding a link out of the roots, and writes nothing', async () => {
    const { root, outside, hostInputs, transfer } = await setup();
    await symlink(join(outside, 'secret.txt'), join(root, 'dataset', 'lane 1', 'zz-link'));
    const error = await rejection(transfer.fetchInput({ url: join(root, 'dataset'), type: 'DIRECTORY', hostPath: join(hostInputs, 'd'), fieldPath: 'inputs.0.url' }));
    expect(error.code).toBe(ErrorCode.TransferRefused);
    expect(error.message).toContain(`the link "lane 1/zz-link" in ${join(root, 'dataset')} leads to ${join(outside, 'secret.txt')}`);
    expect(await listAll(hostInputs)).toEqual([]);
  });

  it('fails a DIRECTORY with a link loop or a fifo in it', async () => {
    const { root, hostInputs, transfer } = await setup();
    await symlink(join(root, 'dataset'), join(root, 'dataset', 'lane 1', 'loop'));
    const loop = await rejection(transfer.fetchInput({ url: join(root, 'dataset'), type: 'DIRECTORY', hostPath: join(hostInputs, 'd'), fieldPath: 'inputs.0.url' }));
    expect(loop.code).toBe(ErrorCode.TransferFailed);
    expect(loop.message).toContain('"lane 1/loop" in');
    execFileSync('mkfifo', [join(root, 'ref', 'pipe')]);
    const fifo = await rejection(transfer.fetchInput({ url: join(root, 'ref'), type: 'DIRECTORY', hostPath: join(hostInputs, 'r'), fieldPath: 'inputs.1.url' }));
    expect(fifo.message).toContain('"pipe" in');
    expect(fifo.message).toContain('is a socket, pipe or device');
    expect(await listAll(hostInputs)).toEqual([]);
  });

  it('fails a missing source and a type that does not match, naming the fix', async () => {
    const { root, hostInputs, transfer } = await setup();
    const missing = await rejection(transfer.fetchInput({ url: join(root, 'nope.txt'), hostPath: join(hostInputs, 'n'), fieldPath: 'inputs.0.url' }));
    expect(missing.code).toBe(ErrorCode.TransferFailed);
    expect(missing.message).toContain('does not exist on this host; check the path');
    const folderAsFile = await rejection(transfer.fetchInput({ url: join(root, 'dataset'), hostPath: join(hostInputs, 'f'), fieldPath: 'inputs.1.url' }));
    expect(folderAsFile.message).toContain('is a folder, but the type is FILE; set type: DIRECTORY');
    const fileAsFolder = await rejection(
      transfer.fetchInput({ url: join(root, 'ref', 'genome.fa'), type: 'DIRECTORY', hostPath: join(hostInputs, 'g'), fieldPath: 'inputs.2.url' }),
    );
    expect(fileAsFolder.message).toContain('is a file, but the type is DIRECTORY; set type: FILE');
  });

  it('refuses a folder larger than maxInputBytes before copying', async () => {
    const { root, hostInputs, transfer } = await setup({ maxInputBytes: 20 });
    const error = await rejection(transfer.fetchInput({ url: join(root, 'dataset'), type: 'DIRECTORY', hostPath: join(hostInputs, 'd'), fieldPath: 'inputs.0.url' }));
    expect(error.code).toBe(ErrorCode.TransferFailed);
    expect(error.message).toContain('is 26 B (26 bytes), more than the limit of 20 B (20 bytes) per input');
    expect(await listAll(hostInputs)).toEqual([]);
  });

  it('stops a copy on abort and leaves neither the target nor a temporary folder', async () => {
    const { root, hostInputs, transfer } = await setup();
    await writeFile(join(root, 'dataset', 'big.bin'), Buffer.alloc(8 * 1024 * 1024, 7));
    const controller = new AbortController();
    const error = await rejection(
      transfer.fetchInput({ url: join(root, 'dataset'), type: 'DIRECTORY', hostPath: join(hostInputs, 'd'), fieldPath: 'inputs.0.url' }, controller.signal, (event) => {
        if (event.bytesDone > 0) controller.abort();
      }),
    );
    expect(error.code).toBe(ErrorCode.Canceled);
    expect(await listAll(hostInputs)).toEqual([]);
  });
});
