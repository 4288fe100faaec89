import { openTaskFile } from '@capstan/task-files';
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { relative } from 'node:path';
import { isInside } from './host-paths';

/**
 * Opens a listed source file for reading. Under one of `realRoots` (the task's folder for outputs, the allowed roots
 * for inputs) it goes through the confined opener, so a folder swapped for a link after the listing cannot send the
 * read out of the root. Elsewhere (an input the caller named itself): no link at the end, never a FIFO, socket or
 * device, which a plain open could block on.
 */
export async function openSourceFile(realPath: string, realRoots: readonly string[]): Promise<FileHandle> {
  const root = realRoots.find((candidate) => isInside(realPath, candidate));
  if (root !== undefined) return openTaskFile(root, relative(root, realPath));
  const handle = await open(realPath, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  if (!(await handle.stat()).isFile()) {
    await handle.close();
    throw Object.assign(new Error(`${realPath} is no longer a regular file`), { code: 'EINVAL' });
  }
  return handle;
}
