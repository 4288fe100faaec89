import { CapstanError, ErrorCode } from '@capstan/core-constraints';
import { type Holder, randomAlphanumeric } from '@capstan/naming';
import { closeSync, constants, mkdirSync, openSync, readSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** The file in a TES server's data folder that holds its holder id: the same id across every restart of the folder. */
export const HOLDER_ID_FILE = 'holder-id';
const ID_LENGTH = 24;

/**
 * The holder identity of a data folder: read from its `holder-id` file, or made and stored there on first use
 * (created exclusively, so two first starts cannot make two ids). The file is opened without following links: a link
 * planted there cannot make the server adopt another folder's containers.
 */
export function dataFolderHolder(dataDir: string): Holder {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = join(dataDir, HOLDER_ID_FILE);
  const id = randomAlphanumeric(ID_LENGTH);
  try {
    const fd = openSync(file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
    try {
      writeSync(fd, `${id}\n`);
    } finally {
      closeSync(fd);
    }
    return { id, folder: dataDir };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw unreadable(file, error);
  }
  let text: string;
  try {
    const fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      const buffer = Buffer.alloc(128);
      text = buffer.subarray(0, readSync(fd, buffer)).toString('utf8').trim();
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    throw unreadable(file, error);
  }
  if (!/^[A-Za-z0-9]{16,64}$/.test(text)) {
    throw new CapstanError(ErrorCode.InvalidConfig, `${file} holds ${JSON.stringify(text.slice(0, 80))}, not a holder id (16 to 64 letters and digits); restore it, or delete it only when no container of this server is left (docker ps --filter label=io.capstan.holder-folder=${dataDir})`, { path: 'api.dataDir' });
  }
  return { id: text, folder: dataDir };
}

function unreadable(file: string, error: unknown): CapstanError {
  const reason = (error as NodeJS.ErrnoException).code === 'ELOOP' ? 'it is a symbolic link' : (error as Error).message;
  return new CapstanError(ErrorCode.InvalidConfig, `the holder id file ${file} cannot be used (${reason}); make it a regular file this user can read, or choose another api.dataDir`, { path: 'api.dataDir', cause: error });
}
