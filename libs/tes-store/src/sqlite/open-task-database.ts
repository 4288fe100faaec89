import { chmodSync, closeSync, lstatSync, mkdirSync, openSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { CapstanError, ErrorCode } from '@capstan/core-constraints';
import Database from 'better-sqlite3';
import { migrateSchema } from './schema-migrations';
import { IN_MEMORY } from './store-options';

/**
 * Opens (creating when missing) the task database and brings its schema up to date.
 *
 * A file is opened in WAL mode with `synchronous = NORMAL` (a commit is durable once the WAL is synced at the next
 * checkpoint; a power cut may lose the last commits but never corrupts the file) and with SQLite's EXCLUSIVE locking
 * mode: opening writes (the switch to WAL, the schema step), which takes an exclusive lock on the file that this
 * connection keeps until it closes; the kernel drops it when the process dies, so no stale lock survives a crash. A second server (another process, or a
 * second store in this one) opening the same file gets SQLITE_BUSY at once (busy timeout 0), reported as a
 * CapstanError naming the file. In this mode the WAL index lives in the process's memory: no `-shm` file.
 *
 * The file holds every client's tasks (commands, environment values, URLs), so it is made readable by this user only
 * (0600) before SQLite opens it: created so when new, tightened when an earlier version left it looser. SQLite gives
 * its WAL and journal files the database's permissions.
 */
export function openTaskDatabase(file: string): Database.Database {
  const inMemory = file === IN_MEMORY;
  const path = inMemory ? file : resolve(file);
  if (!inMemory) {
    createFolder(dirname(path));
    makePrivate(path);
  }
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { timeout: 0 });
    if (!inMemory) {
      db.pragma('locking_mode = EXCLUSIVE');
      const mode = db.pragma('journal_mode = WAL', { simple: true });
      if (mode !== 'wal') throw new CapstanError(ErrorCode.InvalidConfig, `the TES task store ${path} cannot use SQLite's WAL journal (it stays in ${String(mode)} mode); put the file on a local file system`, { path: 'file' });
      db.pragma('synchronous = NORMAL');
    }
    migrateSchema(db, path);
    return db;
  } catch (error) {
    db?.close();
    throw openError(error, path);
  }
}

/** Creates the file with mode 0600 if missing, and sets 0600 on it and its WAL if they are regular files already. */
function makePrivate(file: string): void {
  try {
    closeSync(openSync(file, 'wx', 0o600));
  } catch (error) {
    // An existing file (EEXIST) is tightened below; anything else (a folder, no permission) SQLite reports in its words.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') return;
  }
  for (const candidate of [file, `${file}-wal`, `${file}-shm`, `${file}-journal`]) {
    let mode: number;
    try {
      const stats = lstatSync(candidate);
      if (!stats.isFile()) continue;
      mode = stats.mode & 0o777;
    } catch {
      continue;
    }
    if ((mode & 0o077) === 0) continue;
    try {
      chmodSync(candidate, 0o600);
    } catch (error) {
      throw new CapstanError(
        ErrorCode.InvalidConfig,
        `the TES task store file ${candidate} is readable by other users (mode ${mode.toString(8)}) and cannot be made private (${(error as Error).message}); run the server as the file's owner, or chmod 600 it`,
        { path: 'file', cause: error, details: { file: candidate, mode: mode.toString(8) } },
      );
    }
  }
}

function createFolder(folder: string): void {
  try {
    mkdirSync(folder, { recursive: true, mode: 0o700 });
  } catch (error) {
    const reason = (error as { message?: unknown }).message;
    throw new CapstanError(ErrorCode.InvalidConfig, `the folder ${folder} of the TES task store cannot be created (${reason}); create it, or choose a file in a folder this user can write`, {
      path: 'file',
      cause: error,
      details: { folder },
    });
  }
}

/** SQLite's refusals while opening, in words that name the file and the fix; other errors pass through. */
function openError(error: unknown, file: string): unknown {
  const code = sqliteCode(error);
  if (code === undefined) return error;
  const reason = (error as { message?: unknown }).message;
  const options = { path: 'file', cause: error, details: { file, sqliteCode: code } };
  // Extended codes (SQLITE_CANTOPEN_ISDIR) are grouped by their primary code.
  switch (code.split('_').slice(0, 2).join('_')) {
    case 'SQLITE_BUSY':
    case 'SQLITE_LOCKED':
      return new CapstanError(
        ErrorCode.InvalidConfig,
        `the TES task store ${file} is already open in another process or store (most likely another Capstan server); run one server per data file: stop the other server, or give this one its own file`,
        options,
      );
    case 'SQLITE_NOTADB':
      return new CapstanError(ErrorCode.InvalidConfig, `${file} is not a SQLite database, so it cannot be the TES task store; give the path of a task database, or of a file that does not exist yet`, options);
    case 'SQLITE_CANTOPEN':
    case 'SQLITE_READONLY':
    case 'SQLITE_PERM':
      return new CapstanError(ErrorCode.InvalidConfig, `the TES task store ${file} cannot be opened for writing (${String(reason)}); check that it is a file this user may read and write, in a folder it may write`, options);
    default:
      return error;
  }
}

/**
 * The SQLITE_* code of a better-sqlite3 error. Read by shape, not `instanceof Database.SqliteError`: the native addon
 * keeps the error class of the first copy of the module that loaded it, so under module registries such as jest's (one
 * per test file, each in its own realm) a later copy's class, or even its `Error`, is not the one thrown.
 */
function sqliteCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { name, code } = error as { name?: unknown; code?: unknown };
  return name === 'SqliteError' && typeof code === 'string' ? code : undefined;
}
