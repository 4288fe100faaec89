import { chmodSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseListQuery, TaskIdGenerator } from '@capstan/tes-model';
import Database from 'better-sqlite3';
import { makeTempFolder, type TempFolder } from '../testing/temp-folder';
import { storedTask } from '../testing/task-fixtures';
import { SCHEMA_VERSION } from './schema-migrations';
import { NO_OWNER, SqliteTesTaskStore } from './sqlite-tes-task-store';

/** Undoes schema version 4 on a file whose tasks are all indexed (as `close` leaves it). */
const BACK_TO_VERSION_3 = 'DROP TABLE index_state; ALTER TABLE task_documents DROP COLUMN owner;';

const ids = new TaskIdGenerator();

/** Every id `owner` sees, paging on with `page_size` until no next_page_token. */
function listAll(store: SqliteTesTaskStore, owner: string | undefined, pageSize: number, extra: Record<string, string> = {}): string[] {
  const seen: string[] = [];
  let token: string | undefined;
  for (let pages = 0; pages < 100; pages += 1) {
    const page = store.list(parseListQuery({ page_size: String(pageSize), view: 'BASIC', ...extra, ...(token === undefined ? {} : { page_token: token }) }), owner);
    seen.push(...page.tasks.map((task) => task.id ?? ''));
    if (page.nextPageToken === undefined) return seen;
    token = page.nextPageToken;
  }
  throw new Error('paging did not end');
}

describe('SqliteTesTaskStore: owners and retention', () => {
  let store: SqliteTesTaskStore;

  beforeEach(() => {
    store = new SqliteTesTaskStore({ file: ':memory:' });
  });

  afterEach(() => store.close());

  it('records the owner of each task, in single and grouped inserts, and none for tasks stored without one', () => {
    const [a, b, c, d] = [ids.next(), ids.next(), ids.next(), ids.next()];
    store.insert(storedTask({ id: a }), 'alice');
    store.insertMany([storedTask({ id: b }), storedTask({ id: c })], ['bob', 'alice']);
    store.insert(storedTask({ id: d }));
    expect([a, b, c, d].map((id) => store.ownerOf(id))).toEqual(['alice', 'bob', 'alice', NO_OWNER]);
    expect(store.ownerOf(ids.next())).toBeUndefined();
  });

  it('pages through exactly one owner\'s tasks among many interleaved ones, full pages and no task twice', () => {
    const mine: string[] = [];
    for (let index = 0; index < 37; index += 1) {
      const id = ids.next();
      const owner = index % 3 === 0 ? 'alice' : 'bob';
      store.insert(storedTask({ id, name: `t${index}`, tags: { n: String(index % 2) } }), owner);
      if (owner === 'alice') mine.push(id);
    }
    const newestFirst = [...mine].reverse();
    expect(listAll(store, 'alice', 4)).toEqual(newestFirst);
    expect(store.list(parseListQuery({ page_size: '4' }), 'alice').tasks).toHaveLength(4);
    // The other accesses (by tag, by name prefix, by state) keep the owner filter too.
    expect(listAll(store, 'alice', 3, { tag_key: 'n', tag_value: '0' })).toEqual(newestFirst.filter((_, i) => store.get(newestFirst[i] ?? '')?.tags['n'] === '0'));
    expect(listAll(store, 'alice', 2, { name_prefix: 't3' })).toEqual(newestFirst.filter((id) => store.get(id)?.name?.startsWith('t3') === true));
    expect(listAll(store, 'alice', 5, { state: 'QUEUED' })).toEqual(newestFirst);
    expect(listAll(store, 'carol', 5)).toEqual([]);
    expect(listAll(store, undefined, 50)).toHaveLength(37);
  });

  it('finds tasks that reached a final state before the cutoff, and deletes them with their documents and tags', () => {
    const [done, running, queued] = [ids.next(), ids.next(), ids.next()];
    store.insert(storedTask({ id: done, tags: { k: 'v' } }), 'alice');
    store.insert(storedTask({ id: running }), 'alice');
    store.insert(storedTask({ id: queued }), 'alice');
    store.update(done, (task) => ({ ...task, state: 'CANCELING' }));
    store.update(done, (task) => ({ ...task, state: 'CANCELED' }));
    store.update(running, (task) => ({ ...task, state: 'INITIALIZING' }));
    store.update(running, (task) => ({ ...task, state: 'RUNNING' }));
    const later = new Date(Date.now() + 60_000);
    expect(store.finishedBefore(new Date(Date.now() - 60_000), 10)).toEqual([]);
    expect(store.finishedBefore(later, 10)).toEqual([done]);
    expect(store.removeFinished(done)).toBe(true);
    expect(store.get(done)).toBeUndefined();
    expect(store.list(parseListQuery({ tag_key: 'k' })).tasks).toEqual([]);
    expect(store.finishedBefore(later, 10)).toEqual([]);
    expect(store.countByState()).toEqual({ QUEUED: 1, RUNNING: 1 });
  });

  it('refuses to delete a task that is not in a final state (hostile: an id of a running task)', () => {
    const running = ids.next();
    store.insert(storedTask({ id: running }));
    store.update(running, (task) => ({ ...task, state: 'INITIALIZING' }));
    expect(store.removeFinished(running)).toBe(false);
    expect(store.get(running)?.state).toBe('INITIALIZING');
    expect(store.removeFinished(ids.next())).toBe(false);
  });

  it('stops at the batch limit, longest finished first', () => {
    const finished = [ids.next(), ids.next(), ids.next()];
    for (const id of finished) {
      store.insert(storedTask({ id }));
      store.update(id, (task) => ({ ...task, state: 'SYSTEM_ERROR' }));
    }
    expect(store.finishedBefore(new Date(Date.now() + 60_000), 2)).toEqual(finished.slice(0, 2));
  });
});

describe('the task database file is private', () => {
  let folder: TempFolder;

  beforeEach(() => {
    folder = makeTempFolder();
  });

  afterEach(() => folder.remove());

  it('creates the database and its WAL with mode 0600', () => {
    const file = join(folder.path, 'new', 'tasks.sqlite');
    const store = new SqliteTesTaskStore({ file });
    store.insert(storedTask({ id: ids.next() }));
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(`${file}-wal`).mode & 0o777).toBe(0o600);
    expect(statSync(join(folder.path, 'new')).mode & 0o777).toBe(0o700);
    store.close();
  });

  it('upgrades a version-1 file: old tasks have no owner, and finished ones age from the upgrade', () => {
    const file = join(folder.path, 'tasks.sqlite');
    const [done, queued] = [ids.next(), ids.next()];
    const before = new SqliteTesTaskStore({ file });
    before.insert(storedTask({ id: done, state: 'COMPLETE' }), 'alice');
    before.insert(storedTask({ id: queued }), 'alice');
    before.close();
    // Back to version 1, as an earlier Capstan wrote it.
    const db = new Database(file);
    db.exec(`${BACK_TO_VERSION_3} DROP INDEX tasks_by_owner; DROP INDEX tasks_by_finish; ALTER TABLE tasks DROP COLUMN owner; ALTER TABLE tasks DROP COLUMN finished_time; PRAGMA user_version = 1;`);
    db.close();
    const upgradeTime = Date.now();
    const store = new SqliteTesTaskStore({ file });
    expect([store.ownerOf(done), store.ownerOf(queued)]).toEqual([NO_OWNER, NO_OWNER]);
    expect(store.list(parseListQuery({}), 'alice').tasks).toEqual([]);
    expect(store.finishedBefore(new Date(upgradeTime - 1_000), 10)).toEqual([]);
    expect(store.finishedBefore(new Date(Date.now() + 1_000), 10)).toEqual([done]);
    store.close();
  });

  it('upgrades a version-2 file: a principal\'s MINIMAL page is read from the owner index alone, and lists the same', () => {
    const file = join(folder.path, 'tasks.sqlite');
    const mine = [ids.next(), ids.next(), ids.next()];
    const before = new SqliteTesTaskStore({ file });
    for (const id of mine) before.insert(storedTask({ id, state: id === mine[1] ? 'RUNNING' : 'QUEUED' }), 'alice');
    before.insert(storedTask({ id: ids.next() }), 'bob');
    before.close();
    // Back to version 2, as the Capstan of issue 10 wrote it.
    const db = new Database(file);
    db.exec(`${BACK_TO_VERSION_3} DROP INDEX tasks_by_owner; CREATE INDEX tasks_by_owner ON tasks (owner); PRAGMA user_version = 2;`);
    const minimalPage = "EXPLAIN QUERY PLAN SELECT CAST(tasks.id_key AS TEXT), tasks.state FROM tasks WHERE tasks.owner = 'alice' ORDER BY tasks.id_key DESC LIMIT 10";
    expect(JSON.stringify(db.prepare(minimalPage).all())).not.toContain('COVERING');
    db.close();
    const store = new SqliteTesTaskStore({ file });
    store.close();
    const after = new Database(file);
    expect(after.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(JSON.stringify(after.prepare(minimalPage).all())).toContain('COVERING INDEX tasks_by_owner');
    after.close();
    const reopened = new SqliteTesTaskStore({ file });
    expect(reopened.list(parseListQuery({ view: 'MINIMAL' }), 'alice').tasks).toEqual([...mine].reverse().map((id) => ({ id, state: id === mine[1] ? 'RUNNING' : 'QUEUED' })));
    expect(listAll(reopened, 'alice', 2)).toEqual([...mine].reverse());
    reopened.close();
  });

  it('tightens a database an earlier version left readable by others', () => {
    const file = join(folder.path, 'tasks.sqlite');
    new SqliteTesTaskStore({ file }).close();
    chmodSync(file, 0o644);
    writeFileSync(`${file}-wal`, '', { mode: 0o666 });
    chmodSync(`${file}-wal`, 0o666);
    const store = new SqliteTesTaskStore({ file });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(`${file}-wal`).mode & 0o777).toBe(0o600);
    store.close();
  });
});
