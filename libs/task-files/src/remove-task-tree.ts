import { lstat, readdir, rmdir, unlink } from 'node:fs/promises';
import { posix } from 'node:path';
import { normaliseRelative, pinPath, realRoot, refusalForType, taskFileRefused } from './confined-path';

function missing(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 'ENOENT';
}

/**
 * Deletes `path` in a task's folder and everything below it; `''` deletes the folder itself. Links are removed as
 * links, never followed; every unlink and rmdir goes through its parent's pinned inode, so a folder the task swaps
 * for a link mid-way cannot redirect the delete out of the folder. A missing path is not an error.
 */
export async function removeTaskTree(root: string, path = ''): Promise<void> {
  let rootReal: string;
  try {
    rootReal = await realRoot(root);
  } catch (error) {
    if (missing(error)) return;
    throw error;
  }
  const relative = normaliseRelative(path, root);
  if (relative === '') {
    await emptyFolder(rootReal, '', root);
    await rmdir(rootReal).catch((error: unknown) => (missing(error) ? undefined : Promise.reject(error)));
    return;
  }
  await removeChild(rootReal, posix.dirname(relative) === '.' ? '' : posix.dirname(relative), posix.basename(relative), root);
}

async function emptyFolder(rootReal: string, folder: string, shownRoot: string): Promise<void> {
  const pinned = await pinPath(rootReal, folder, shownRoot);
  try {
    if (!pinned.stats.isDirectory()) return;
    for (const name of await readdir(pinned.procPath)) await removeChild(rootReal, folder, name, shownRoot);
  } finally {
    await pinned.handle.close();
  }
}

async function removeChild(rootReal: string, parent: string, name: string, shownRoot: string): Promise<void> {
  const pinned = await pinPath(rootReal, parent, shownRoot).catch((error: unknown) => (missing(error) ? undefined : Promise.reject(error)));
  if (pinned === undefined) return;
  try {
    if (!pinned.stats.isDirectory()) throw taskFileRefused(parent, refusalForType(pinned.stats) ?? 'not-a-folder', shownRoot);
    const child = `${pinned.procPath}/${name}`;
    const stats = await lstat(child).catch((error: unknown) => (missing(error) ? undefined : Promise.reject(error)));
    if (stats === undefined) return;
    if (stats.isDirectory()) {
      await emptyFolder(rootReal, parent === '' ? name : posix.join(parent, name), shownRoot);
      await rmdir(child).catch((error: unknown) => (missing(error) ? undefined : Promise.reject(error)));
    } else {
      await unlink(child).catch((error: unknown) => (missing(error) ? undefined : Promise.reject(error)));
    }
  } finally {
    await pinned.handle.close();
  }
}
