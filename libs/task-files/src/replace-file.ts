import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Writes `text` as `folder/name`, whole or not at all: a new temporary file (O_EXCL and O_NOFOLLOW, so a link a task
 * planted under a guessed name is never written through) renamed over the old one. rename(2) replaces a link or file
 * at `name` without following it, and a reader, or a process killed mid-write, never leaves half a file.
 */
export async function replaceFileAtomically(folder: string, name: string, text: string, mode = 0o644): Promise<void> {
  if (name === '' || name.includes('/') || name === '.' || name === '..') throw new RangeError(`"${name}" is not a plain file name`);
  const temporary = join(folder, `.${name}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const handle = await open(temporary, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, mode);
    try {
      await handle.writeFile(text);
    } finally {
      await handle.close();
    }
    await rename(temporary, join(folder, name));
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}
