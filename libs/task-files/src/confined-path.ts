import { CapstanError, ErrorCode } from '@capstan/core-constraints';
import { type Stats } from 'node:fs';
import { constants } from 'node:fs';
import { open, readlink, realpath, type FileHandle } from 'node:fs/promises';
import { posix } from 'node:path';

/**
 * Linux's O_PATH (not in node's constants): the handle names an inode without opening it, so a FIFO cannot block,
 * a device's driver is never called, and fstat still tells what it is.
 */
const O_PATH = 0o10000000;

export type RefusalReason = 'parent' | 'outside' | 'symlink' | 'fifo' | 'socket' | 'device' | 'not-a-file' | 'not-a-folder';

const WHY: Readonly<Record<RefusalReason, string>> = {
  parent: 'climbs out of the folder with ".." (or holds a NUL byte)',
  outside: 'leads through a symbolic link out of the folder',
  symlink: 'is a symbolic link, which the host never follows in a task folder',
  fifo: 'is a FIFO (named pipe), which the host never opens: reading one can block forever',
  socket: 'is a UNIX socket, which the host never opens',
  device: 'is a device node, which the host never opens',
  'not-a-file': 'is a folder where a regular file was expected',
  'not-a-folder': 'is a file where a folder was expected',
};

/** The typed refusal: names the path (relative to the task's folder), why, and the fix. */
export function taskFileRefused(relative: string, reason: RefusalReason, root: string): CapstanError {
  return new CapstanError(
    ErrorCode.TaskFileRefused,
    `the task's path "${relative}" (in ${root}) ${WHY[reason]}; it was left alone (fix: have the task write a regular file or folder there itself)`,
    { details: { value: relative, reason, limit: root } },
  );
}

/** `outputs/./a/` -> `outputs/a`; `''` is the folder itself. Throws on `..` that leaves the folder and on NUL bytes. */
export function normaliseRelative(path: string, root: string): string {
  const trimmed = path.replace(/^\/+/, '');
  if (trimmed === '' || trimmed === '.') return '';
  const normal = posix.normalize(trimmed).replace(/\/+$/, '');
  if (normal === '..' || normal.startsWith('../') || normal.includes('\0')) throw taskFileRefused(path, 'parent', root);
  return normal === '.' ? '' : normal;
}

export function refusalForType(stats: Stats): RefusalReason | undefined {
  if (stats.isFile() || stats.isDirectory()) return undefined;
  if (stats.isSymbolicLink()) return 'symlink';
  if (stats.isFIFO()) return 'fifo';
  if (stats.isSocket()) return 'socket';
  return 'device';
}

/** Why `stats` is not a regular file the host may read, or undefined when it is one. */
export function fileRefusal(stats: Stats): RefusalReason | undefined {
  return refusalForType(stats) ?? (stats.isDirectory() ? 'not-a-file' : undefined);
}

/** The task's folder as the host sees it: its real path, resolved once (the operator made it; the task did not). */
export async function realRoot(root: string): Promise<string> {
  return realpath(root);
}

export interface PathHandle {
  /** An O_PATH handle: pinned to the inode that was checked, whatever the task renames or relinks afterwards. */
  readonly handle: FileHandle;
  readonly stats: Stats;
  /** `/proc/self/fd/N`: opens, lists or unlinks below exactly that inode, with no second path lookup to race. */
  readonly procPath: string;
}

/**
 * Pins `relative` under `rootReal` without opening it. The last component is never followed (a link is pinned as
 * the link); where the kernel really went is read back from /proc and must be inside the root, so a folder the task
 * swaps for a link between any check and this open is caught after the fact, not raced.
 */
export async function pinPath(rootReal: string, relative: string, shownRoot: string): Promise<PathHandle> {
  const handle = await open(relative === '' ? rootReal : posix.join(rootReal, relative), O_PATH | constants.O_NOFOLLOW);
  try {
    const procPath = `/proc/self/fd/${handle.fd}`;
    const where = await readlink(procPath);
    if (where !== rootReal && !where.startsWith(rootReal === '/' ? '/' : `${rootReal}/`)) throw taskFileRefused(relative, 'outside', shownRoot);
    return { handle, stats: await handle.stat(), procPath };
  } catch (error) {
    await handle.close();
    throw error;
  }
}
