import { type Stats } from 'node:fs';
import { lstat, readdir, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { transferFailed, transferRefused, type TransferSubject } from '../errors/transfer-errors';
import { isInsideAny } from './host-paths';

export type FileType = 'FILE' | 'DIRECTORY';

export interface SourceFile {
  /** `/`-separated path below the transferred folder; `''` for a single file. */
  readonly relativePath: string;
  /** Where the bytes are read from (a link's target, once checked). */
  readonly realPath: string;
  readonly size: number;
  /** Permission bits, kept on the copy (so a script stays executable). */
  readonly mode: number;
}

export interface SourceTree {
  readonly files: readonly SourceFile[];
  /** Every folder below the top, parents first (empty ones too). */
  readonly folders: readonly string[];
  readonly totalBytes: number;
  /** The confinement's real roots: files under one of them are opened through the confined opener. */
  readonly realRoots: readonly string[];
}

/** Where symbolic links met in a source may lead, and how to name the source and that place in errors. */
export interface LinkConfinement {
  readonly realRoots: readonly string[];
  readonly describe: string;
  /** The source as the user knows it: the input's url, or the output's host path. */
  readonly sourceName: string;
}

/**
 * Lists what a transfer reads from a host path (already resolved to its real path). Links inside a folder are
 * followed only when their target stays inside the confinement; a link out of it is refused, a dangling link, a
 * loop, or a socket/fifo/device fails the transfer, so that nothing is silently left out.
 */
export async function readSourceTree(
  realPath: string,
  type: FileType,
  confinement: LinkConfinement,
  subject: TransferSubject,
  signal: AbortSignal | undefined,
): Promise<SourceTree> {
  const top = await stat(realPath);
  if (type === 'FILE') {
    if (!top.isFile()) throw wrongType(top, confinement.sourceName, subject);
    return { files: [{ relativePath: '', realPath, size: top.size, mode: top.mode & 0o777 }], folders: [], totalBytes: top.size, realRoots: confinement.realRoots };
  }
  if (!top.isDirectory()) throw wrongType(top, confinement.sourceName, subject);
  const walker = new TreeWalker(confinement, subject, signal);
  await walker.walk(realPath, '', new Set([realPath]));
  return { files: walker.files, folders: walker.folders, totalBytes: walker.files.reduce((sum, file) => sum + file.size, 0), realRoots: confinement.realRoots };
}

function wrongType(found: Stats, name: string, subject: TransferSubject): Error {
  if (found.isDirectory()) {
    return transferFailed(subject, `${name} is a folder, but the type is FILE`, 'set type: DIRECTORY to copy the whole folder');
  }
  if (found.isFile()) {
    return transferFailed(subject, `${name} is a file, but the type is DIRECTORY`, 'set type: FILE (the default)');
  }
  return transferFailed(subject, `${name} is neither a file nor a folder (a socket, pipe or device)`, 'give a regular file or a folder');
}

class TreeWalker {
  readonly files: SourceFile[] = [];
  readonly folders: string[] = [];

  constructor(
    private readonly confinement: LinkConfinement,
    private readonly subject: TransferSubject,
    private readonly signal: AbortSignal | undefined,
  ) {}

  async walk(folder: string, relative: string, ancestors: ReadonlySet<string>): Promise<void> {
    this.signal?.throwIfAborted();
    const entries = (await readdir(folder)).sort();
    for (const name of entries) {
      const path = join(folder, name);
      const childRelative = relative === '' ? name : `${relative}/${name}`;
      const found = await lstat(path);
      if (found.isSymbolicLink()) {
        const target = await this.followLink(path, childRelative);
        await this.add(target, await stat(target), childRelative, ancestors);
      } else {
        await this.add(path, found, childRelative, ancestors);
      }
    }
  }

  private async add(path: string, found: Stats, relative: string, ancestors: ReadonlySet<string>): Promise<void> {
    if (found.isFile()) {
      this.files.push({ relativePath: relative, realPath: path, size: found.size, mode: found.mode & 0o777 });
    } else if (found.isDirectory()) {
      if (ancestors.has(path)) {
        throw transferFailed(
          this.subject,
          `"${relative}" in ${this.confinement.sourceName} is a link back to a folder above it (a loop)`,
          'remove the link, or point it at data outside the loop',
        );
      }
      this.folders.push(relative);
      await this.walk(path, relative, new Set([...ancestors, path]));
    } else {
      throw transferFailed(
        this.subject,
        `"${relative}" in ${this.confinement.sourceName} is a socket, pipe or device`,
        'remove it from the folder; only files, folders and links to them are copied',
      );
    }
  }

  private async followLink(path: string, relative: string): Promise<string> {
    let target: string;
    try {
      target = await realpath(path);
    } catch (error) {
      throw transferFailed(
        this.subject,
        `the link "${relative}" in ${this.confinement.sourceName} points to nothing`,
        'remove the broken link or create its target',
        { cause: error },
      );
    }
    if (!isInsideAny(target, this.confinement.realRoots)) {
      throw transferRefused(
        this.subject,
        `the link "${relative}" in ${this.confinement.sourceName} leads to ${target}, outside ${this.confinement.describe}`,
        'copy the data itself into the folder instead of linking to it',
        { link: relative },
      );
    }
    return target;
  }
}
