import { createHash } from 'node:crypto';
import { link, lstat, open, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { normaliseRelative } from './confined-path';
import { openTaskFile } from './open-task-file';

export interface PublishedTaskFile {
  readonly sizeBytes: number;
  readonly sha256: string;
  /** A hard link to the task's file (same file system), else a copy. */
  readonly linked: boolean;
}

const CHUNK = 1 << 20;

/**
 * Publishes a regular file of a task's folder at `destination` (which must not exist): hard-linked when the file
 * system allows, copied otherwise, with its size and sha256. The file is read only through `openTaskFile`, so a link
 * out, a FIFO or a device is refused, never followed; a hard link that does not lead to the inode that was checked
 * (the task swapped the path in between) is undone and the checked file is copied instead.
 */
export async function publishTaskFile(root: string, path: string, destination: string): Promise<PublishedTaskFile> {
  const handle = await openTaskFile(root, path);
  try {
    const checked = await handle.stat();
    if (await hardLink(join(root, normaliseRelative(path, root)), destination, checked)) {
      return { ...(await digest(handle, undefined)), linked: true };
    }
    const target = await open(destination, 'wx', 0o644);
    try {
      return { ...(await digest(handle, target)), linked: false };
    } finally {
      await target.close();
    }
  } finally {
    await handle.close();
  }
}

/** `link(2)` never follows its last component; whether it reached the checked inode is read back, not assumed. */
async function hardLink(source: string, destination: string, checked: { ino: number; dev: number }): Promise<boolean> {
  try {
    await link(source, destination);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw error;
    return false;
  }
  const made = await lstat(destination);
  if (made.isFile() && made.ino === checked.ino && made.dev === checked.dev) return true;
  await unlink(destination);
  return false;
}

/** Reads the whole file from its start, hashing it, and writes it to `target` when one is given. */
async function digest(handle: FileHandle, target: FileHandle | undefined): Promise<{ sizeBytes: number; sha256: string }> {
  const hash = createHash('sha256');
  const buffer = Buffer.alloc(CHUNK);
  let position = 0;
  for (;;) {
    const { bytesRead } = await handle.read(buffer, 0, CHUNK, position);
    if (bytesRead === 0) break;
    const chunk = buffer.subarray(0, bytesRead);
    hash.update(chunk);
    if (target) await target.write(chunk);
    position += bytesRead;
  }
  return { sizeBytes: position, sha256: hash.digest('hex') };
}
