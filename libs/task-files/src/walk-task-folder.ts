import { type CapstanError } from '@capstan/core-constraints';
import { lstat, readdir } from 'node:fs/promises';
import { posix } from 'node:path';
import { normaliseRelative, pinPath, realRoot, refusalForType, taskFileRefused } from './confined-path';

export interface TaskFileEntry {
  /** `/`-separated, relative to the task's folder. */
  readonly path: string;
  readonly size: number;
  readonly mode: number;
  /** Above 1 for a hard link; see docs/security.md for why such files are still read. */
  readonly nlink: number;
}

export interface TaskTree {
  readonly files: readonly TaskFileEntry[];
  /** Every folder below the start, parents first. */
  readonly folders: readonly string[];
  /** Links (in or out), FIFOs, sockets and devices met: listed, never followed or opened. */
  readonly refused: readonly CapstanError[];
}

/**
 * Lists the regular files and folders under `path` in a task's folder (sorted). Each folder is listed through its
 * pinned inode, so a folder swapped for a link while the walk runs is caught, never entered.
 */
export async function walkTaskFolder(root: string, path = '', signal?: AbortSignal): Promise<TaskTree> {
  const rootReal = await realRoot(root);
  const start = normaliseRelative(path, root);
  const tree = { files: [] as TaskFileEntry[], folders: [] as string[], refused: [] as CapstanError[] };
  const visit = async (folder: string): Promise<void> => {
    signal?.throwIfAborted();
    const pinned = await pinPath(rootReal, folder, root);
    try {
      if (!pinned.stats.isDirectory()) throw taskFileRefused(folder, refusalForType(pinned.stats) ?? 'not-a-folder', root);
      const names = (await readdir(pinned.procPath)).sort();
      for (const name of names) {
        const relative = folder === '' ? name : posix.join(folder, name);
        const stats = await lstat(`${pinned.procPath}/${name}`).catch(() => undefined);
        if (stats === undefined) continue; // removed since the listing
        const refusal = refusalForType(stats);
        if (refusal !== undefined) tree.refused.push(taskFileRefused(relative, refusal, root));
        else if (stats.isFile()) tree.files.push({ path: relative, size: stats.size, mode: stats.mode & 0o777, nlink: stats.nlink });
        else {
          tree.folders.push(relative);
          await visit(relative);
        }
      }
    } finally {
      await pinned.handle.close();
    }
  };
  await visit(start);
  return tree;
}
