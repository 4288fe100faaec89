import { type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCode } from '@capstan/core-constraints';
import Database from 'better-sqlite3';
import { captureCapstanError } from '../testing/capture-capstan-error';
import { bundleStoreProcess, holdInOtherProcess, killHard, openInOtherProcess } from '../testing/store-process';
import { storedTask } from '../testing/task-fixtures';
import { makeTempFolder, type TempFolder } from '../testing/temp-folder';
import { SCHEMA_VERSION } from './schema-migrations';
import { SqliteTesTaskStore } from './sqlite-tes-task-store';

describe('opening the task database', () => {
  let folder: TempFolder;
  let file: string;
  const open: SqliteTesTaskStore[] = [];
  const children: ChildProcess[] = [];

  beforeEach(() => {
    folder = makeTempFolder();
    file = join(folder.path, 'tasks.sqlite');
  });

  afterEach(async () => {
    for (const store of open.splice(0)) store.close();
    for (const child of children.splice(0)) await killHard(child);
    folder.remove();
  });

  function openStore(): SqliteTesTaskStore {
    const store = new SqliteTesTaskStore({ file });
    open.push(store);
    return store;
  }

  describe('one server per data file', () => {
    let script: string;
    let scriptFolder: TempFolder;

    beforeAll(async () => {
      scriptFolder = makeTempFolder();
      script = await bundleStoreProcess(scriptFolder.path);
    }, 60_000);

    afterAll(() => scriptFolder.remove());

    it('refuses a second process while one has the file open, naming the file and the fix', () => {
      const store = openStore();
      store.insert(storedTask({ id: '01JZ0000000000000000000001' }));
      const outcome = openInOtherProcess(script, file);
      expect(outcome).toMatchObject({ code: ErrorCode.InvalidConfig, path: 'file' });
      expect(outcome).toHaveProperty('message', expect.stringContaining(file));
      expect(outcome).toHaveProperty('message', expect.stringContaining('one server per data file'));
      // The first server is not disturbed.
      expect(store.get('01JZ0000000000000000000001')?.id).toBe('01JZ0000000000000000000001');
      store.close();
      expect(openInOtherProcess(script, file)).toEqual({ opened: true });
    });

    it('refuses a second store in the same process, also on a file that exists already', () => {
      new SqliteTesTaskStore({ file }).close();
      openStore();
      const error = captureCapstanError(() => new SqliteTesTaskStore({ file }));
      expect(error).toMatchObject({ code: ErrorCode.InvalidConfig, path: 'file' });
      expect(error.message).toContain(file);
    });

    it('is free again when the holding process is killed, without a stale lock', async () => {
      const { child, outcome } = await holdInOtherProcess(script, file);
      children.push(child);
      expect(outcome).toEqual({ opened: true });
      expect(captureCapstanError(() => new SqliteTesTaskStore({ file })).code).toBe(ErrorCode.InvalidConfig);
      await killHard(child);
      const store = openStore();
      expect(store.countByState()).toEqual({});
    });
  });

  it('refuses a file written by a newer schema', () => {
    const db = new Database(file);
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    const error = captureCapstanError(() => new SqliteTesTaskStore({ file }));
    expect(error).toMatchObject({ code: ErrorCode.InvalidConfig, path: 'file' });
    expect(error.message).toContain(`schema version ${SCHEMA_VERSION + 1}`);
    expect(error.message).toContain(file);
  });

  it('brings an empty SQLite file (version 0) to the current schema', () => {
    new Database(file).close();
    openStore().insert(storedTask({ id: '01JZ0000000000000000000002' }));
    open.splice(0).forEach((store) => store.close());
    const db = new Database(file, { readonly: true });
    try {
      expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    } finally {
      db.close();
    }
  });

  it('refuses a file that is not a SQLite database', () => {
    writeFileSync(file, 'name,state\nalign,QUEUED\n'.repeat(100));
    const error = captureCapstanError(() => new SqliteTesTaskStore({ file }));
    expect(error).toMatchObject({ code: ErrorCode.InvalidConfig, path: 'file' });
    expect(error.message).toContain('is not a SQLite database');
  });

  it('refuses a folder as the file', () => {
    const error = captureCapstanError(() => new SqliteTesTaskStore({ file: folder.path }));
    expect(error).toMatchObject({ code: ErrorCode.InvalidConfig, path: 'file' });
    expect(error.message).toContain(`${folder.path} cannot be opened for writing`);
  });

  it('says so when the folder cannot be created', () => {
    writeFileSync(join(folder.path, 'plain-file'), '');
    const error = captureCapstanError(() => new SqliteTesTaskStore({ file: join(folder.path, 'plain-file', 'tasks.sqlite') }));
    expect(error).toMatchObject({ code: ErrorCode.InvalidConfig, path: 'file' });
    expect(error.message).toContain(join(folder.path, 'plain-file'));
  });
});
