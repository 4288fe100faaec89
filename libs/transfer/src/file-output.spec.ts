import { ErrorCode } from '@capstan/core-constraints';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { FileAndHttpTransfer } from './file-and-http-transfer';
import { parseTransferOptions } from './options/transfer-options';
import { rejection } from './test-kit/rejection';
import { listAll, TempFolders } from './test-kit/temp-folders';

const folders = new TempFolders();
afterEach(() => folders.removeAll());

interface Setup {
  readonly task: string;
  readonly results: string;
  readonly outside: string;
  readonly transfer: FileAndHttpTransfer;
}

/** A task folder with `report.txt` and `out/` (a tree), an allowed results root, a folder outside the roots. */
async function setup(): Promise<Setup> {
  const task = await folders.make('task');
  const results = await folders.make('results');
  const outside = await folders.make('outside');
  await writeFile(join(task, 'report.txt'), 'all good\n');
  await mkdir(join(task, 'out', 'plots'), { recursive: true });
  await writeFile(join(task, 'out', 'counts.tsv'), 'a\t1\n');
  await writeFile(join(task, 'out', 'plots', 'p.svg'), '<svg/>');
  await symlink('../report.txt', join(task, 'out', 'report-link.txt'));
  const transfer = new FileAndHttpTransfer(parseTransferOptions({ allowedRoots: [results] }));
  return { task, results, outside, transfer };
}

describe('putOutput to file://', () => {
  it('copies a FILE under an allowed root, creating folders, and replaces an older copy', async () => {
    const { task, results, transfer } = await setup();
    const url = pathToFileURL(join(results, 'run 1', 'report.txt')).href;
    await mkdir(join(results, 'run 1'));
    await writeFile(join(results, 'run 1', 'report.txt'), 'stale');
    const written = await transfer.putOutput({ hostPath: join(task, 'report.txt'), url, within: task, fieldPath: 'outputs.0.url' });
    expect(await readFile(join(results, 'run 1', 'report.txt'), 'utf8')).toBe('all good\n');
    expect(written).toEqual([{ url, sizeBytes: 9, relativePath: '' }]);
    expect(await listAll(results)).toEqual(['run 1', 'run 1/report.txt']);
  });

  it('copies a DIRECTORY, following a link that stays in the task folder, and merges into an existing folder', async () => {
    const { task, results, transfer } = await setup();
    await mkdir(join(results, 'out'));
    await writeFile(join(results, 'out', 'kept.txt'), 'from before');
    const written = await transfer.putOutput({ hostPath: join(task, 'out'), url: join(results, 'out'), type: 'DIRECTORY', within: task, fieldPath: 'outputs.1.url' });
    expect(await listAll(results)).toEqual(['out', 'out/counts.tsv', 'out/kept.txt', 'out/plots', 'out/plots/p.svg', 'out/report-link.txt']);
    expect(await readFile(join(results, 'out', 'report-link.txt'), 'utf8')).toBe('all good\n');
    expect(written).toEqual([
      { url: join(results, 'out', 'counts.tsv'), sizeBytes: 4, relativePath: 'counts.tsv' },
      { url: join(results, 'out', 'plots', 'p.svg'), sizeBytes: 6, relativePath: 'plots/p.svg' },
      { url: join(results, 'out', 'report-link.txt'), sizeBytes: 9, relativePath: 'report-link.txt' },
    ]);
  });

  it('refuses a destination outside the roots, directly or through a link under a root', async () => {
    const { task, results, outside, transfer } = await setup();
    const direct = await rejection(transfer.putOutput({ hostPath: join(task, 'report.txt'), url: join(outside, 'r.txt'), within: task, fieldPath: 'outputs.0.url' }));
    expect(direct.code).toBe(ErrorCode.TransferRefused);
    expect(direct.message).toContain('is outside the folders this server may write');
    await symlink(outside, join(results, 'escape'));
    const viaLink = await rejection(
      transfer.putOutput({ hostPath: join(task, 'report.txt'), url: pathToFileURL(join(results, 'escape', 'new', 'r.txt')).href, within: task, fieldPath: 'outputs.1.url' }),
    );
    expect(viaLink.code).toBe(ErrorCode.TransferRefused);
    expect(viaLink.path).toBe('outputs.1.url');
    expect(viaLink.message).toContain(`leads through a symbolic link to ${join(outside, 'new', 'r.txt')}, outside the folders this server may write`);
    expect(await listAll(outside)).toEqual([]);
  });

  it('refuses a task output that is a link out of the task folder', async () => {
    const { task, results, outside, transfer } = await setup();
    await writeFile(join(outside, 'host-secret'), 'secret');
    await symlink(join(outside, 'host-secret'), join(task, 'out', 'plots', 'grab'));
    const error = await rejection(transfer.putOutput({ hostPath: join(task, 'out'), url: join(results, 'o'), type: 'DIRECTORY', within: task, fieldPath: 'outputs.0.url' }));
    expect(error.code).toBe(ErrorCode.TransferRefused);
    expect(error.message).toContain(`the link "plots/grab" in ${join(task, 'out')} leads to ${join(outside, 'host-secret')}, outside the task's folder ${task}`);
    expect(await listAll(results)).toEqual([]);
  });

  it('fails without a change when a file would replace a folder', async () => {
    const { task, results, transfer } = await setup();
    await mkdir(join(results, 'out', 'counts.tsv'), { recursive: true });
    const error = await rejection(transfer.putOutput({ hostPath: join(task, 'out'), url: join(results, 'out'), type: 'DIRECTORY', within: task, fieldPath: 'outputs.0.url' }));
    expect(error.code).toBe(ErrorCode.TransferFailed);
    expect(error.message).toContain(`cannot be written: ${join(results, 'out', 'counts.tsv')} already exists as a folder; remove what is in the way`);
    expect(await listAll(results)).toEqual(['out', 'out/counts.tsv']);
  });
});
