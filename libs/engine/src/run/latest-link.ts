import { LATEST_RUN_LINK } from '@capstan/core-constraints';
import { randomBytes } from 'node:crypto';
import { lstat, rename, rm, symlink } from 'node:fs/promises';
import { basename, join } from 'node:path';

/**
 * Points `<work root>/latest` at a run folder (relative, so the work root can move). A temporary link is renamed over
 * the old one: atomic, and rename(2) replaces a link without following it. Something at `latest` that is not a
 * link (the operator's own file or folder) is left alone; the return says whether the link now points here.
 */
export async function pointLatestAt(workRoot: string, runFolderName: string): Promise<boolean> {
  const latest = join(workRoot, LATEST_RUN_LINK);
  const existing = await lstat(latest).catch(() => undefined);
  if (existing !== undefined && !existing.isSymbolicLink()) return false;
  const temporary = join(workRoot, `.${LATEST_RUN_LINK}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await symlink(runFolderName, temporary);
    await rename(temporary, latest);
    return true;
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/** One run's `latest` link: pointed once, when the run's first folder exists, so it never points at nothing. */
export class LatestRunLink {
  private pointing: Promise<void> | undefined;

  constructor(
    private readonly workRoot: string,
    private readonly runFolder: string,
  ) {}

  point(warn: (message: string) => void): Promise<void> {
    const latest = join(this.workRoot, LATEST_RUN_LINK);
    this.pointing ??= pointLatestAt(this.workRoot, basename(this.runFolder)).then(
      (pointed) => (pointed ? undefined : warn(`${latest} is not a link Capstan made; left alone`)),
      (error: unknown) => warn(`could not point ${latest} at ${this.runFolder}: ${error instanceof Error ? error.message : String(error)}`),
    );
    return this.pointing;
  }
}
