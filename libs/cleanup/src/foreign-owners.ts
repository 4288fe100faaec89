import { type FileOwner } from '@capstan/core-constraints';
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';

export interface ForeignOwnerScan {
  /** Paths (at most `limit`) whose owner is not the expected one. */
  readonly paths: readonly string[];
  /** How many foreign-owned entries there are in all. */
  readonly count: number;
}

/**
 * Lists the entries under `folder` (itself included) that do not belong to `owner`'s uid. Symlinks are examined,
 * never followed, so the scan stays inside the folder.
 */
export async function findForeignOwners(folder: string, owner: Pick<FileOwner, 'uid'>, limit = 20): Promise<ForeignOwnerScan> {
  const paths: string[] = [];
  let count = 0;
  const visit = async (path: string): Promise<void> => {
    const info = await lstat(path);
    if (info.uid !== owner.uid) {
      count += 1;
      if (paths.length < limit) paths.push(path);
    }
    if (!info.isDirectory()) return;
    let entries: string[];
    try {
      entries = await readdir(path);
    } catch {
      // Unreadable to us: a foreign owner by definition, already counted when it is not ours.
      return;
    }
    for (const entry of entries) await visit(join(path, entry));
  };
  await visit(folder);
  return { paths, count };
}
