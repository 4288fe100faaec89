import { type ObjectStoreFailure, redactUrl } from '@capstan/core-constraints';
import { mkdir, open } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { childUrl, type ObjectAddress } from '../address/transfer-address';
import { inputTooLarge, transferFailed, transferRefused, type TransferSubject } from '../errors/transfer-errors';
import { type TransferredFile } from '../file-transfer';
import { openSourceFile } from '../local/open-source';
import { type FileType, type SourceTree } from '../local/source-tree';
import { StagedTarget } from '../local/staged-target';
import { type ProgressReporter } from '../progress/progress-reporter';

export interface ObjectFetch {
  readonly address: ObjectAddress;
  readonly type: FileType;
  readonly hostPath: string;
  readonly subject: TransferSubject;
  readonly maxBytes: number;
  readonly progress: ProgressReporter;
  readonly signal: AbortSignal | undefined;
}

interface Entry {
  readonly relativePath: string;
  readonly sizeBytes: number | null;
}

/**
 * Brings one object (FILE) or every object below a prefix (DIRECTORY) into a staged file or folder next to
 * `hostPath`, moved into place only when all arrived whole: a failure leaves nothing new there.
 */
export async function fetchObjects(fetch: ObjectFetch): Promise<TransferredFile[]> {
  const { address, subject, maxBytes, progress, signal } = fetch;
  const entries: Entry[] = fetch.type === 'FILE' ? [{ relativePath: '', sizeBytes: null }] : await listFolder(fetch);
  const total = entries.reduce((sum, entry) => sum + (entry.sizeBytes ?? 0), 0);
  if (total > maxBytes) throw inputTooLarge(subject, maxBytes, total);
  progress.setTotal(fetch.type === 'FILE' ? null : total);
  const staged = await StagedTarget.create(fetch.hostPath, fetch.type === 'FILE' ? 'file' : 'folder');
  try {
    const written: TransferredFile[] = [];
    let before = 0;
    progress.update(0);
    for (const entry of entries) {
      const objectUrl = new URL(childUrl(address.url.href, entry.relativePath));
      const read = await address.store.read(objectUrl, signal);
      if (read.sizeBytes !== null && before + read.sizeBytes > maxBytes) throw inputTooLarge(subject, maxBytes, before + read.sizeBytes);
      if (fetch.type === 'FILE') progress.setTotal(read.sizeBytes);
      const destination = entry.relativePath === '' ? staged.tempPath : join(staged.tempPath, entry.relativePath);
      await mkdir(dirname(destination), { recursive: true });
      const bytes = await writeStream(read.body, destination, signal, (done) => {
        if (before + done > maxBytes) throw inputTooLarge(subject, maxBytes, null);
        progress.update(before + done);
      });
      if (read.sizeBytes !== null && bytes !== read.sizeBytes) {
        throw transferFailed(subject, `${redactUrl(objectUrl.href)} ended after ${bytes} of its ${read.sizeBytes} bytes`, 'try again; the store closed the stream early');
      }
      before += bytes;
      written.push({ url: redactUrl(objectUrl.href), sizeBytes: bytes, relativePath: entry.relativePath });
    }
    await staged.install();
    progress.finish();
    return written;
  } finally {
    await staged.discard();
  }
}

/** Stores each file of a confined source tree as an object (the address itself for a FILE, below it for a folder). */
export async function putObjects(
  address: ObjectAddress,
  tree: SourceTree,
  progress: ProgressReporter,
  signal: AbortSignal | undefined,
): Promise<TransferredFile[]> {
  const written: TransferredFile[] = [];
  let before = 0;
  progress.update(0);
  for (const file of tree.files) {
    const objectUrl = new URL(childUrl(address.url.href, file.relativePath));
    // Opened again through the confined opener: a folder swapped for a link after the listing is not followed.
    const handle = await openSourceFile(file.realPath, tree.realRoots);
    try {
      // Exactly the listed size: a file the task still grows is not read past what was announced to the store.
      const body = file.size === 0 ? emptyBody() : handle.createReadStream({ start: 0, end: file.size - 1, autoClose: false });
      await address.store.write(objectUrl, body, file.size, signal, (sent) => progress.update(before + sent));
    } finally {
      await handle.close();
    }
    before += file.size;
    written.push({ url: redactUrl(objectUrl.href), sizeBytes: file.size, relativePath: file.relativePath });
  }
  progress.finish();
  return written;
}

/** A store's failure in the caller's terms: the task field, the address as shown, the store's problem and fix. */
export function storeFailure(subject: TransferSubject, failure: ObjectStoreFailure): Error {
  const problem = `${subject.shownUrl}: ${failure.problem}`;
  if (failure.kind === 'refused') return transferRefused(subject, problem, failure.fix);
  return transferFailed(subject, problem, failure.fix, { details: { reason: failure.kind } });
}

async function listFolder(fetch: ObjectFetch): Promise<Entry[]> {
  const listed = await fetch.address.store.list(fetch.address.url, fetch.signal);
  const entries: Entry[] = [];
  for (const object of listed) {
    // A folder marker (`prefix/sub/`, size 0) makes no file; the folder appears with the files below it.
    if (object.relativePath.endsWith('/') && object.sizeBytes === 0) continue;
    checkRelativePath(object.relativePath, fetch.subject);
    entries.push({ relativePath: object.relativePath, sizeBytes: object.sizeBytes });
  }
  if (entries.length === 0) {
    throw transferFailed(fetch.subject, `there is no object below ${fetch.subject.shownUrl}/`, 'check the prefix, or use type FILE for a single object');
  }
  return entries;
}

/** A key below the prefix becomes a host path: one that could leave the folder (`..`) or name it twice is refused. */
function checkRelativePath(relativePath: string, subject: TransferSubject): void {
  const segments = relativePath.split('/');
  if (segments.some((segment) => segment === '' || segment === '.' || segment === '..' || segment.includes('\0'))) {
    throw transferRefused(
      subject,
      `the object key below ${subject.shownUrl}/ ${JSON.stringify(relativePath.slice(0, 200))} has an empty, "." or ".." part and cannot be a file below the input's folder`,
      'rename the object, or give the objects you need as FILE inputs',
    );
  }
}

async function writeStream(body: AsyncIterable<Uint8Array>, path: string, signal: AbortSignal | undefined, onBytes: (bytesDone: number) => void): Promise<number> {
  const output = await open(path, 'wx', 0o644);
  try {
    let bytes = 0;
    for await (const chunk of body) {
      signal?.throwIfAborted();
      bytes += chunk.byteLength;
      onBytes(bytes);
      await output.write(chunk);
    }
    await output.sync();
    return bytes;
  } finally {
    await output.close();
  }
}

async function* emptyBody(): AsyncIterable<Uint8Array> {
  // An empty file is an empty object: nothing to read.
}
