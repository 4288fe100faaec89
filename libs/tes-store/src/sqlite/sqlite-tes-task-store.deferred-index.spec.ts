import { type ChildProcess } from 'node:child_process';
import { parseListQuery, TaskIdGenerator } from '@capstan/tes-model';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { type StoreStep } from '../testing/store-steps';
import { bundleStoreProcess, killHard, runStepsInOtherProcess } from '../testing/store-process';
import { makeTempFolder, type TempFolder } from '../testing/temp-folder';
import { storedTask } from '../testing/task-fixtures';
import { NO_OWNER, SqliteTesTaskStore } from './sqlite-tes-task-store';

const ids = new TaskIdGenerator();
/** Batches that never fill or fall due within a test: only reads (or the next open) write index rows. */
const NEVER = { maxTasks: 1_000_000, delayMs: 600_000 };

/** What the file holds, read without the store (which would index what waits): documents, index rows, the mark. */
function fileRows(file: string): { documents: number; tasks: number; tags: number; indexedSeq: number } {
  const db = new Database(file, { readonly: true });
  try {
    const count = (table: string): number => (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    const indexedSeq = (db.prepare('SELECT indexed_seq FROM index_state').get() as { indexed_seq: number }).indexed_seq;
    return { documents: count('task_documents'), tasks: count('tasks'), tags: count('task_tags'), indexedSeq };
  } finally {
    db.close();
  }
}

describe('SqliteTesTaskStore: index rows written in batches after the documents', () => {
  it('answers every read with the tasks whose index rows still wait', () => {
    const store = new SqliteTesTaskStore({ file: ':memory:' }, { indexBatching: NEVER });
    try {
      const reads: Array<[string, (id: string) => unknown, (id: string) => unknown]> = [
        ['ownerOf', (id) => store.ownerOf(id), () => 'alice'],
        ['get', (id) => store.get(id)?.id, (id) => id],
        ['getView MINIMAL', (id) => store.getView(id, 'MINIMAL'), (id) => ({ id, state: 'QUEUED' })],
        ['list by tag', (id) => store.list(parseListQuery({ tag_key: 'sample', tag_value: id })).tasks.map((task) => task.id), (id) => [id]],
        ['list by name', (id) => store.listJson(parseListQuery({ name_prefix: `name-${id}` })).tasks.map((task) => task.id), (id) => [id]],
        ['MINIMAL page of the owner', () => store.list(parseListQuery({ view: 'MINIMAL', page_size: '1' }), 'alice').tasks, (id) => [{ id, state: 'QUEUED' }]],
        ['listInStates', (id) => store.listInStates(['QUEUED']).filter((task) => task.id === id).length, () => 1],
        ['update', (id) => store.update(id, (task) => ({ ...task, description: 'changed' }))?.description, () => 'changed'],
      ];
      for (const [what, read, expected] of reads) {
        const id = ids.next();
        store.insert(storedTask({ id, name: `name-${id}`, tags: { sample: id } }), 'alice');
        expect({ what, answer: read(id) }).toEqual({ what, answer: expected(id) });
      }
      const counted = store.countByState();
      const id = ids.next();
      store.insert(storedTask({ id }));
      expect(store.countByState().QUEUED).toBe((counted.QUEUED ?? 0) + 1);
      const done = ids.next();
      store.insert(storedTask({ id: done, state: 'COMPLETE' }));
      expect(store.finishedBefore(new Date(Date.now() + 1_000), 10)).toEqual([done]);
      const removable = ids.next();
      store.insert(storedTask({ id: removable, state: 'CANCELED' }));
      expect(store.removeFinished(removable)).toBe(true);
      expect(store.get(removable)).toBeUndefined();
    } finally {
      store.close();
    }
  });

  it('refuses an id whose index rows still wait, and one given twice in a batch, storing nothing of the batch', () => {
    const store = new SqliteTesTaskStore({ file: ':memory:' }, { indexBatching: NEVER });
    try {
      const id = ids.next();
      store.insert(storedTask({ id }));
      expect(() => store.insert(storedTask({ id }))).toThrow(expect.objectContaining({ code: 'value.invalid', path: 'id' }));
      const [a, b] = [ids.next(), ids.next()];
      expect(() => store.insertMany([storedTask({ id: a }), storedTask({ id: b }), storedTask({ id: a })])).toThrow(expect.objectContaining({ code: 'value.invalid' }));
      expect([store.get(a), store.get(b)]).toEqual([undefined, undefined]);
      store.insertMany([storedTask({ id: a }), storedTask({ id: b })]);
      expect(store.list(parseListQuery({})).tasks.map((task) => task.id)).toEqual([b, a, id]);
    } finally {
      store.close();
    }
  });

  describe('with the process killed', () => {
    let folder: TempFolder;
    let scriptFolder: TempFolder;
    let script: string;
    const children: ChildProcess[] = [];

    beforeAll(async () => {
      scriptFolder = makeTempFolder();
      script = await bundleStoreProcess(scriptFolder.path, 'store-steps-process.ts');
    }, 60_000);
    afterAll(() => scriptFolder.remove());
    beforeEach(() => {
      folder = makeTempFolder();
    });
    afterEach(async () => {
      for (const child of children.splice(0)) await killHard(child);
      folder.remove();
    });

    async function runAndKill(file: string, steps: readonly StoreStep[], indexBatching = NEVER): Promise<void> {
      const child = await runStepsInOtherProcess(script, file, { indexBatching, steps });
      children.push(child);
      await killHard(child);
    }

    it('indexes at the next open the tasks a killed process committed but had not indexed, with their owners, tags and names', async () => {
      const file = join(folder.path, 'tasks.sqlite');
      const [first, second, done] = [ids.next(), ids.next(), ids.next()];
      await runAndKill(file, [
        { insert: { id: first, name: 'align-1', tags: { project: 'p1' } }, owner: 'alice' },
        { insert: { id: second, name: 'align-2', tags: { project: 'p2', run: '' } }, owner: 'bob' },
        { insert: { id: done, state: 'COMPLETE' }, owner: '' },
      ]);
      // The documents were committed; their index rows were not (else this test would not test the recovery).
      expect(fileRows(file)).toEqual({ documents: 3, tasks: 0, tags: 0, indexedSeq: 0 });
      const store = new SqliteTesTaskStore({ file }, { indexBatching: NEVER });
      try {
        expect([first, second, done].map((id) => store.ownerOf(id))).toEqual(['alice', 'bob', NO_OWNER]);
        expect(store.list(parseListQuery({ view: 'MINIMAL' }), 'bob').tasks).toEqual([{ id: second, state: 'QUEUED' }]);
        expect(store.list(parseListQuery({ tag_key: 'project', tag_value: 'p1' })).tasks.map((task) => task.id)).toEqual([first]);
        expect(store.list(parseListQuery({ tag_key: 'run' })).tasks.map((task) => task.id)).toEqual([second]);
        expect(store.list(parseListQuery({ name_prefix: 'align-' })).tasks.map((task) => task.id)).toEqual([second, first]);
        expect(store.finishedBefore(new Date(Date.now() + 1_000), 10)).toEqual([done]);
        const added = ids.next();
        store.insert(storedTask({ id: added }), 'alice');
        expect(store.list(parseListQuery({}), 'alice').tasks.map((task) => task.id)).toEqual([added, first]);
      } finally {
        store.close();
      }
      expect(fileRows(file)).toEqual({ documents: 4, tasks: 4, tags: 3, indexedSeq: 4 });
    }, 60_000);

    it('never gives a new task the seq of a deleted one below the mark, so a killed process loses no task', async () => {
      const file = join(folder.path, 'tasks.sqlite');
      const [kept, removed, added] = [ids.next(), ids.next(), ids.next()];
      // `removed` is the newest document when it is indexed and deleted; SQLite alone would give `added` its seq.
      await runAndKill(file, [
        { insert: { id: kept }, owner: 'alice' },
        { insert: { id: removed, state: 'COMPLETE' }, owner: 'alice' },
        { read: true },
        { removeFinished: removed },
        { insert: { id: added }, owner: 'alice' },
      ]);
      expect(fileRows(file)).toEqual({ documents: 2, tasks: 1, tags: 0, indexedSeq: 2 });
      const store = new SqliteTesTaskStore({ file });
      try {
        expect(store.list(parseListQuery({}), 'alice').tasks.map((task) => task.id)).toEqual([added, kept]);
      } finally {
        store.close();
      }
    }, 60_000);

    it('writes waiting index rows once the batch is due, without a read', async () => {
      const file = join(folder.path, 'tasks.sqlite');
      const [a, b, c] = [ids.next(), ids.next(), ids.next()];
      await runAndKill(file, [{ insert: { id: a, tags: { k: 'v' } }, owner: 'alice' }, { waitMs: 300 }, { insert: { id: b }, owner: 'alice' }, { insert: { id: c }, owner: 'alice' }], { maxTasks: 2, delayMs: 50 });
      // `a` by the timer, `b` and `c` when the batch held two.
      expect(fileRows(file)).toEqual({ documents: 3, tasks: 3, tags: 1, indexedSeq: 3 });
    }, 60_000);
  });
});
