import { randomBytes } from 'node:crypto';
import { lstat, mkdir, readdir, rename, rm, rmdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { errorCode } from './host-paths';

/** Thrown when what is staged cannot take the place of what is already at the target. */
export class TargetConflict extends Error {
  constructor(
    readonly path: string,
    readonly existing: 'file' | 'folder',
  ) {
    super(`${path} already exists as a ${existing}`);
  }
}

/**
 * A file or folder written next to its target under a hidden temporary name, then renamed into place, so the
 * target never holds half a file. A staged folder is moved in whole when nothing is at the target yet; otherwise its
 * files are renamed one by one into the existing folder (merged: nothing that was there is deleted).
 */
export class StagedTarget {
  private constructor(
    readonly target: string,
    readonly tempPath: string,
    private readonly kind: 'file' | 'folder',
  ) {}

  static async create(target: string, kind: 'file' | 'folder'): Promise<StagedTarget> {
    const parent = dirname(target);
    await mkdir(parent, { recursive: true });
    const tempPath = join(parent, `.${basename(target).slice(0, 200)}.capstan-part-${randomBytes(6).toString('hex')}`); // within NAME_MAX
    if (kind === 'folder') await mkdir(tempPath);
    return new StagedTarget(target, tempPath, kind);
  }

  async install(): Promise<void> {
    if (this.kind === 'file') {
      if ((await kindAt(this.target)) === 'folder') throw new TargetConflict(this.target, 'folder');
      await rename(this.tempPath, this.target);
      return;
    }
    await mergeFolder(this.tempPath, this.target);
    await rm(this.tempPath, { recursive: true, force: true });
  }

  /** Removes whatever was staged; safe to call after install and more than once. */
  async discard(): Promise<void> {
    await rm(this.tempPath, { recursive: true, force: true });
  }
}

async function kindAt(path: string): Promise<'file' | 'folder' | 'none'> {
  try {
    return (await lstat(path)).isDirectory() ? 'folder' : 'file';
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return 'none';
    throw error;
  }
}

/** Moves `from` (a staged folder) into `to`, after checking that no file would have to replace a folder or back. */
async function mergeFolder(from: string, to: string): Promise<void> {
  await findConflicts(from, to);
  await moveInto(from, to);
}

async function findConflicts(from: string, to: string): Promise<void> {
  const existing = await kindAt(to);
  if (existing === 'none') return;
  if (existing === 'file') throw new TargetConflict(to, 'file');
  for (const name of await readdir(from)) {
    const source = join(from, name);
    const destination = join(to, name);
    if ((await lstat(source)).isDirectory()) {
      await findConflicts(source, destination);
    } else if ((await kindAt(destination)) === 'folder') {
      throw new TargetConflict(destination, 'folder');
    }
  }
}

/** Links at the target are replaced, never followed (lstat, and rename does not follow). */
async function moveInto(from: string, to: string): Promise<void> {
  if ((await kindAt(to)) === 'none') {
    await rename(from, to);
    return;
  }
  for (const name of await readdir(from)) {
    const source = join(from, name);
    if ((await lstat(source)).isDirectory()) await moveInto(source, join(to, name));
    else await rename(source, join(to, name));
  }
  await rmdir(from);
}
