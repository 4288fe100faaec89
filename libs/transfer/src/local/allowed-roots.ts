import { realpath } from 'node:fs/promises';
import { transferFailed, transferRefused, type TransferSubject } from '../errors/transfer-errors';
import { errorCode, isInsideAny, realpathAllowingMissing } from './host-paths';

export type Access = 'read' | 'write';

/**
 * The host folders file:// URLs may use. A path is checked twice: as written (so a path outside is refused without
 * touching the disk), then after resolving symbolic links (so a link under a root cannot lead out of it).
 */
export class AllowedRoots {
  constructor(private readonly roots: readonly string[]) {}

  /** The roots' real paths (a root that does not exist yet counts as the place it would be created). */
  async realRoots(): Promise<string[]> {
    return Promise.all(this.roots.map((root) => realpathAllowingMissing(root)));
  }

  /** The real path of an existing source under a root, or a refusal / failure naming the fix. */
  async resolveSource(path: string, subject: TransferSubject): Promise<string> {
    this.checkWritten(path, 'read', subject);
    let real: string;
    try {
      real = await realpath(path);
    } catch (error) {
      const missing = errorCode(error) === 'ENOENT' || errorCode(error) === 'ENOTDIR';
      throw transferFailed(
        subject,
        missing ? `${subject.shownUrl} does not exist on this host` : `${subject.shownUrl} cannot be read`,
        missing ? 'check the path, or create the file before submitting the task' : 'make it readable by the user running Capstan',
        { cause: error },
      );
    }
    await this.checkReal(real, 'read', subject);
    return real;
  }

  /** The real path a target under a root will have (it need not exist yet), or a refusal. */
  async resolveTarget(path: string, subject: TransferSubject): Promise<string> {
    this.checkWritten(path, 'write', subject);
    const real = await realpathAllowingMissing(path);
    await this.checkReal(real, 'write', subject);
    return real;
  }

  /** Refuses a path outside every root as written, without touching the disk (a link is judged at transfer). */
  checkWritten(path: string, access: Access, subject: TransferSubject): void {
    if (this.roots.length === 0) {
      throw transferRefused(
        subject,
        `${subject.shownUrl} is a host path, and file:// transfers are turned off on this server (no allowed roots)`,
        'serve the data over http(s), or ask the operator to add its folder to the transfer allowedRoots',
      );
    }
    if (!isInsideAny(path, this.roots)) {
      throw transferRefused(
        subject,
        `${subject.shownUrl} is outside the folders this server may ${access} (${this.roots.join(', ')})`,
        'use a path under one of them, or ask the operator to add the folder to the transfer allowedRoots',
        { allowedRoots: [...this.roots] },
      );
    }
  }

  private async checkReal(real: string, access: Access, subject: TransferSubject): Promise<void> {
    if (isInsideAny(real, await this.realRoots())) return;
    throw transferRefused(
      subject,
      `${subject.shownUrl} leads through a symbolic link to ${real}, outside the folders this server may ${access} (${this.roots.join(', ')})`,
      'give the path of the data itself, under one of those folders',
      { allowedRoots: [...this.roots] },
    );
  }
}
