import { type CapstanError } from '@capstan/core-constraints';
import { type Stats } from 'node:fs';
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

export interface VisitOptions {
  readonly signal?: AbortSignal;
  /** Skip a folder that cannot be listed (EACCES, EPERM) instead of failing: a scan that reports what it can see. */
  readonly skipUnreadable?: boolean;
}

function unreadable(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'EACCES' || code === 'EPERM';
}

/**
 * Calls `visit` with the lstat of every entry under `path` in a task's folder (sorted, parents first), going down
 * into real folders only. Each folder is listed through its pinned inode, so a folder swapped for a link while the
 * walk runs is caught, never entered.
 */
export async function visitTaskFolder(root: string, path: string, visit: (relative: string, stats: Stats) => void, options: VisitOptions = {}): Promise<void> {
  const rootReal = await realRoot(root);
  const start = normaliseRelative(path, root);
  const descend = async (folder: string): Promise<void> => {
    options.signal?.throwIfAborted();
    const pinned = await pinPath(rootReal, folder, root);
    try {
      if (!pinned.stats.isDirectory()) {
        // A folder below the start that is no longer one was swapped since it was listed: it is not entered.
        if (folder !== start) return;
        throw taskFileRefused(folder, refusalForType(pinned.stats) ?? 'not-a-folder', root);
      }
      let names: string[];
      try {
        names = (await readdir(pinned.procPath)).sort();
      } catch (error) {
        if (options.skipUnreadable === true && unreadable(error)) return;
        throw error;
      }
      for (const name of names) {
        const relative = folder === '' ? name : posix.join(folder, name);
        const stats = await lstat(`${pinned.procPath}/${name}`).catch(() => undefined);
        if (stats === undefined) continue; // removed since the listing
        visit(relative, stats);
        if (stats.isDirectory()) await descend(relative);
      }
    } finally {
      await pinned.handle.close();
    }
  };
  await descend(start);
}

/** The regular files and folders under `path` in a task's folder, and everything else met, refused. */
export async function walkTaskFolder(root: string, path = '', signal?: AbortSignal): Promise<TaskTree> {
  const tree = { files: [] as TaskFileEntry[], folders: [] as string[], refused: [] as CapstanError[] };
  await visitTaskFolder(
    root,
    path,
    (relative, stats) => {
      const refusal = refusalForType(stats);
      if (refusal !== undefined) tree.refused.push(taskFileRefused(relative, refusal, root));
      else if (stats.isFile()) tree.files.push({ path: relative, size: stats.size, mode: stats.mode & 0o777, nlink: stats.nlink });
      else tree.folders.push(relative);
    },
    signal === undefined ? {} : { signal },
  );
  return tree;
}
