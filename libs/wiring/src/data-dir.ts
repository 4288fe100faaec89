import { CapstanError, ErrorCode } from '@capstan/core-constraints';
import { chmod, mkdir, stat } from 'node:fs/promises';

/** What {@link prepareDataDir} did. */
export type DataDirOutcome = 'created' | 'tightened' | 'private';

/**
 * Makes the TES server's data folder private: created with mode 0700, or tightened to 0700 when it exists with
 * looser permissions (an earlier Capstan created it with the umask's). It holds every client's tasks, commands and
 * outputs. A folder owned by another user is refused: tightening it would lock its owner out, and leaving it would
 * let them read everything.
 */
export async function prepareDataDir(dir: string): Promise<DataDirOutcome> {
  const made = await mkdir(dir, { recursive: true, mode: 0o700 }).catch((error: unknown) => {
    // A file in its place: said in plainer words below.
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return undefined;
    throw new CapstanError(ErrorCode.InvalidConfig, `the data folder ${dir} cannot be created (${(error as Error).message}); create it, or give api.dataDir a folder this user may write`, {
      path: 'api.dataDir',
      cause: error,
    });
  });
  const stats = await stat(dir);
  if (!stats.isDirectory()) throw new CapstanError(ErrorCode.InvalidConfig, `the data folder ${dir} is not a folder; give api.dataDir a folder`, { path: 'api.dataDir' });
  const uid = process.getuid?.();
  if (uid !== undefined && stats.uid !== uid) {
    throw new CapstanError(
      ErrorCode.InvalidConfig,
      `the data folder ${dir} belongs to user ${stats.uid}, not to this server's user ${uid}; run the server as its owner, or give api.dataDir a folder of this user's`,
      { path: 'api.dataDir', details: { owner: stats.uid, uid } },
    );
  }
  // mkdir's mode goes through the umask; set it exactly.
  if ((stats.mode & 0o777) === 0o700) return made === undefined ? 'private' : 'created';
  await chmod(dir, 0o700);
  return made === undefined ? 'tightened' : 'created';
}
