import { type FileOwner } from '@capstan/core-constraints';
import { visitTaskFolder } from '@capstan/task-files';
import { lstat } from 'node:fs/promises';
import { join } from 'node:path';

export interface ForeignOwnerScan {
  /** Paths (at most `limit`) whose owner is not the expected one. */
  readonly paths: readonly string[];
  /** How many foreign-owned entries there are in all. */
  readonly count: number;
}

/**
 * Lists the entries under `folder` (itself included) that do not belong to `owner`'s uid. The task wrote the
 * folder: links are examined, never followed, and a folder it swaps for a link mid-scan is not entered, so the scan
 * stays inside. A folder we cannot list is a foreign owner by definition, already counted when it is not ours.
 */
export async function findForeignOwners(folder: string, owner: Pick<FileOwner, 'uid'>, limit = 20): Promise<ForeignOwnerScan> {
  const paths: string[] = [];
  let count = 0;
  const check = (path: string, uid: number): void => {
    if (uid === owner.uid) return;
    count += 1;
    if (paths.length < limit) paths.push(path);
  };
  const top = await lstat(folder);
  check(folder, top.uid);
  if (top.isDirectory()) await visitTaskFolder(folder, '', (relative, stats) => check(join(folder, relative), stats.uid), { skipUnreadable: true });
  return { paths, count };
}
