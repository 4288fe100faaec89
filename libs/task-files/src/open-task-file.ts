import { CapstanError } from '@capstan/core-constraints';
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { fileRefusal, normaliseRelative, pinPath, realRoot, taskFileRefused } from './confined-path';

/**
 * Opens a regular file of a task's folder for reading: never through a link that leaves the folder, never the link
 * itself, never a FIFO, socket or device (refused before any real open, so nothing blocks and no driver runs). The
 * handle is re-opened from the pinned inode and checked to be that inode. Missing files reject with ENOENT as usual.
 */
export async function openTaskFile(root: string, path: string): Promise<FileHandle> {
  const relative = normaliseRelative(path, root);
  const pinned = await pinPath(await realRoot(root), relative, root);
  try {
    const refusal = fileRefusal(pinned.stats);
    if (refusal !== undefined) throw taskFileRefused(relative, refusal, root);
    // The /proc entry is itself a (magic) link to the pinned inode: following it is the point, so no O_NOFOLLOW.
    const handle = await open(pinned.procPath, constants.O_RDONLY | constants.O_NONBLOCK);
    const opened = await handle.stat();
    if (!opened.isFile() || opened.ino !== pinned.stats.ino || opened.dev !== pinned.stats.dev) {
      await handle.close();
      throw taskFileRefused(relative, 'outside', root);
    }
    return handle;
  } finally {
    await pinned.handle.close();
  }
}

/**
 * The last `maxBytes` of a task's file as text (from the first whole line, when cut): bounded whatever the file's
 * size. Invalid UTF-8 at the cut is replaced, never thrown on.
 */
export async function readTaskFileTail(root: string, path: string, maxBytes: number): Promise<string> {
  if (maxBytes <= 0) return '';
  const handle = await openTaskFile(root, path);
  try {
    const { size } = await handle.stat();
    const length = Math.min(size, maxBytes);
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buffer, 0, length, size - length);
    const text = buffer.subarray(0, bytesRead).toString('utf8');
    if (length === size) return text;
    const newline = text.indexOf('\n');
    return newline === -1 || newline === text.length - 1 ? text : text.slice(newline + 1);
  } finally {
    await handle.close();
  }
}

/**
 * Why `path` would be refused by `openTaskFile`, or undefined for a regular file (or a missing one): a listing's
 * filter, without opening anything. The real read still goes through `openTaskFile`.
 */
export async function checkTaskFile(root: string, path: string): Promise<CapstanError | undefined> {
  try {
    const relative = normaliseRelative(path, root);
    const pinned = await pinPath(await realRoot(root), relative, root);
    await pinned.handle.close();
    const refusal = fileRefusal(pinned.stats);
    return refusal === undefined ? undefined : taskFileRefused(relative, refusal, root);
  } catch (error) {
    if (error instanceof CapstanError) return error;
    if ((error as { code?: unknown } | null)?.code === 'ENOENT') return undefined;
    throw error;
  }
}
