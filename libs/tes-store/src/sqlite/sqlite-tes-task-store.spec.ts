import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCode } from '@capstan/core-constraints';
import Database from 'better-sqlite3';
import { parseListQuery, type StoredTesTask, storedTesTaskSchema, TaskIdGenerator, taskView } from '@capstan/tes-model';
import { captureCapstanError } from '../testing/capture-capstan-error';
import { makeTempFolder, type TempFolder } from '../testing/temp-folder';
import { ranLog, storedTask } from '../testing/task-fixtures';
import { SqliteTesTaskStore } from './sqlite-tes-task-store';

const ids = new TaskIdGenerator();

describe('SqliteTesTaskStore', () => {
  let store: SqliteTesTaskStore;

  beforeEach(() => {
    store = new SqliteTesTaskStore({ file: ':memory:' });
  });

  afterEach(() => store.close());

  describe('insert and get', () => {
    it('reads a task back exactly as written, key order included', () => {
      const task = storedTesTaskSchema.parse(storedTask({ id: ids.next(), name: 'align', tags: { project: 'p1' }, content: 'echo hi\n', ran: true, state: 'COMPLETE' }));
      store.insert(task);
      expect(JSON.stringify(store.get(task.id))).toBe(JSON.stringify(task));
    });

    it('answers each view as tes-model defines it', () => {
      const task = storedTask({ id: ids.next(), name: 'align', content: 'echo hi\n', ran: true, state: 'COMPLETE' });
      store.insert(task);
      for (const view of ['MINIMAL', 'BASIC', 'FULL'] as const) expect(store.getView(task.id, view)).toEqual(taskView(task, view));
      const basic = store.getView(task.id, 'BASIC');
      expect(basic?.inputs?.[1]).not.toHaveProperty('content');
      expect(basic?.logs?.[0]).not.toHaveProperty('system_logs');
      expect(store.getView(task.id, 'FULL')?.logs?.[0]?.logs[0]?.stdout).toBe('aligned 100 reads\n');
    });

    it('keeps URL credentials for the transfers (get) and hides them in every view and listing', () => {
      const task = storedTask({ id: ids.next(), ran: true, state: 'COMPLETE' });
      const secret = 'https://reader:pa55w0rd@data.example/reads?X-Amz-Signature=5EC12E7';
      const withSecret: StoredTesTask = { ...task, inputs: [{ ...(task.inputs[0] as StoredTesTask['inputs'][number]), url: secret }] };
      store.insert(withSecret);
      expect(store.get(task.id)?.inputs[0]?.url).toBe(secret);
      for (const view of ['BASIC', 'FULL'] as const) {
        expect(store.getView(task.id, view)?.inputs?.[0]?.url).toBe('https://***@data.example/reads?X-Amz-Signature=***');
        const listed = JSON.stringify(store.list(parseListQuery({ view })).tasks);
        expect(listed).toContain('https://***@data.example/reads');
        expect(listed).not.toMatch(/pa55w0rd|5EC12E7/);
        const sent = store.listJson(parseListQuery({ view })).tasks.map((listedTask) => listedTask.json).join(',');
        expect(sent).toContain('https://***@data.example/reads');
        expect(sent).not.toMatch(/pa55w0rd|5EC12E7/);
      }
    });

    it('sends a stored BASIC document as it is only when nothing in it could need redacting (hostile: a secret in an output log URL)', () => {
      const plain = storedTask({ id: ids.next(), ran: true, state: 'COMPLETE', name: 'plain' });
      store.insert(plain);
      const ran = storedTask({ id: ids.next(), ran: true, state: 'COMPLETE', name: 'secret in a log' });
      const log = ran.logs[0] as StoredTesTask['logs'][number];
      const hidden: StoredTesTask = { ...ran, logs: [{ ...log, outputs: [{ url: 'https://u:hunter2@data.example/out', path: '/data/out/x', size_bytes: '1' }] }] };
      store.insert(hidden);
      const [secretJson, plainJson] = store.listJson(parseListQuery({ view: 'BASIC' })).tasks.map((listedTask) => listedTask.json);
      expect(plainJson).toBe(JSON.stringify(store.getView(plain.id, 'BASIC')));
      expect(secretJson).not.toContain('hunter2');
      expect(secretJson).toBe(JSON.stringify(store.getView(hidden.id, 'BASIC')));
    });

    it('answers undefined for an unknown id', () => {
      expect(store.get('01NOSUCHTASK0000000000000')).toBeUndefined();
      expect(store.getView('01NOSUCHTASK0000000000000', 'MINIMAL')).toBeUndefined();
      expect(store.getView('01NOSUCHTASK0000000000000', 'FULL')).toBeUndefined();
    });

    it('refuses an id already stored and keeps the first task', () => {
      const first = storedTask({ id: ids.next(), name: 'first', tags: { a: '1' } });
      store.insert(first);
      const error = captureCapstanError(() => store.insert({ ...storedTask({ id: first.id, name: 'second', tags: { b: '2' } }), state: 'RUNNING' }));
      expect(error).toMatchObject({ code: ErrorCode.InvalidValue, path: 'id' });
      expect(error.message).toContain(JSON.stringify(first.id));
      expect(store.get(first.id)).toEqual(first);
      expect(store.countByState()).toEqual({ QUEUED: 1 });
      expect(store.list(parseListQuery({ tag_key: 'b' })).tasks).toEqual([]);
    });

    it('refuses a task tes-model would not accept, and stores nothing', () => {
      const task = storedTask({ id: ids.next() });
      const error = captureCapstanError(() => store.insert({ ...task, executors: [] }));
      expect(error.path).toBe('executors');
      expect(store.get(task.id)).toBeUndefined();
    });
  });

  describe('insertMany', () => {
    it('stores every task of the batch', () => {
      const tasks = [storedTask({ id: ids.next(), name: 'a' }), storedTask({ id: ids.next(), name: 'b', tags: { t: '1' } })];
      store.insertMany(tasks);
      expect(tasks.map((task) => store.get(task.id))).toEqual(tasks);
      expect(store.list(parseListQuery({ tag_key: 't' })).tasks).toEqual([{ id: tasks[1]?.id, state: 'QUEUED' }]);
      store.insertMany([]);
      expect(store.countByState()).toEqual({ QUEUED: 2 });
    });

    it('stores none of the batch when one task is refused', () => {
      const stored = storedTask({ id: ids.next() });
      store.insert(stored);
      const fresh = storedTask({ id: ids.next(), tags: { t: '1' } });
      expect(captureCapstanError(() => store.insertMany([fresh, storedTask({ id: stored.id })])).path).toBe('id');
      const twice = storedTask({ id: ids.next() });
      expect(captureCapstanError(() => store.insertMany([twice, twice])).path).toBe('id');
      expect(captureCapstanError(() => store.insertMany([fresh, { ...storedTask({ id: ids.next() }), executors: [] }])).path).toBe('executors');
      expect(store.get(fresh.id)).toBeUndefined();
      expect(store.get(twice.id)).toBeUndefined();
      expect(store.countByState()).toEqual({ QUEUED: 1 });
      expect(store.list(parseListQuery({ tag_key: 't' })).tasks).toEqual([]);
    });

    it('insertCreated stores a batch as insertMany does, owners included, and still refuses a stored id (all or none)', () => {
      const tasks = [storedTask({ id: ids.next(), name: 'a' }), storedTask({ id: ids.next(), name: 'b', tags: { t: '1' } })];
      store.insertCreated(tasks, ['alice', 'bob']);
      expect(tasks.map((task) => store.get(task.id))).toEqual(tasks);
      expect(tasks.map((task) => store.ownerOf(task.id))).toEqual(['alice', 'bob']);
      const fresh = storedTask({ id: ids.next() });
      expect(captureCapstanError(() => store.insertCreated([fresh, storedTask({ id: tasks[0]?.id ?? '' })], ['alice', 'alice'])).path).toBe('id');
      expect(store.get(fresh.id)).toBeUndefined();
      expect(store.countByState()).toEqual({ QUEUED: 2 });
    });
  });

  describe('update', () => {
    it('writes the changed task and returns it', () => {
      const task = storedTask({ id: ids.next(), name: 'align' });
      store.insert(task);
      const running = store.update(task.id, (stored) => ({ ...stored, state: 'INITIALIZING' }));
      expect(running?.state).toBe('INITIALIZING');
      const done = store.update(task.id, (stored) => ({ ...stored, state: 'RUNNING', logs: [ranLog()] }));
      expect(store.get(task.id)).toEqual(done);
      expect(store.getView(task.id, 'FULL')).toEqual(taskView({ ...task, state: 'RUNNING', logs: [ranLog()] }, 'FULL'));
      expect(store.getView(task.id, 'BASIC')).toEqual(taskView({ ...task, state: 'RUNNING', logs: [ranLog()] }, 'BASIC'));
    });

    it('answers undefined for an unknown id without calling change', () => {
      const change = jest.fn((task: StoredTesTask) => task);
      expect(store.update('01NOSUCHTASK0000000000000', change)).toBeUndefined();
      expect(change).not.toHaveBeenCalled();
    });

    it('refuses a transition the state machine forbids and leaves the row as it was', () => {
      const task = storedTask({ id: ids.next(), name: 'align', tags: { project: 'p1' }, state: 'COMPLETE', ran: true });
      store.insert(task);
      const error = captureCapstanError(() => store.update(task.id, (stored) => ({ ...stored, state: 'RUNNING', name: 'renamed', tags: { project: 'p2' }, logs: [] })));
      expect(error).toMatchObject({ code: ErrorCode.TesInvalidTransition, path: 'state' });
      expect(store.get(task.id)).toEqual(task);
      expect(store.countByState()).toEqual({ COMPLETE: 1 });
      expect(store.list(parseListQuery({ name_prefix: 'align', tag_key: 'project', tag_value: 'p1', view: 'FULL' })).tasks).toEqual([taskView(task, 'FULL')]);
      expect(store.list(parseListQuery({ tag_key: 'project', tag_value: 'p2' })).tasks).toEqual([]);
    });

    it('checks the transition when change edits the task in place', () => {
      const task = storedTask({ id: ids.next() });
      store.insert(task);
      const error = captureCapstanError(() =>
        store.update(task.id, (stored) => {
          stored.state = 'COMPLETE';
          return stored;
        }),
      );
      expect(error.code).toBe(ErrorCode.TesInvalidTransition);
      expect(store.get(task.id)?.state).toBe('QUEUED');
    });

    it('refuses a change of id, and an invalid result', () => {
      const task = storedTask({ id: ids.next() });
      store.insert(task);
      expect(captureCapstanError(() => store.update(task.id, (stored) => ({ ...stored, id: ids.next() })))).toMatchObject({ code: ErrorCode.InvalidValue, path: 'id' });
      expect(captureCapstanError(() => store.update(task.id, (stored) => ({ ...stored, creation_time: 'yesterday' }))).path).toBe('creation_time');
      expect(store.get(task.id)).toEqual(task);
    });

    it('writes nothing when change throws', () => {
      const task = storedTask({ id: ids.next() });
      store.insert(task);
      expect(() =>
        store.update(task.id, (stored) => {
          stored.name = 'half-done';
          throw new Error('change failed');
        }),
      ).toThrow('change failed');
      expect(store.get(task.id)).toEqual(task);
    });

    it('moves the tag rows with the tags', () => {
      const task = storedTask({ id: ids.next(), tags: { project: 'p1', keep: '' } });
      store.insert(task);
      store.update(task.id, (stored) => ({ ...stored, tags: { project: 'p2', keep: '' } }));
      const listedIds = (tags: Record<string, string[]>) => store.list(parseListQuery(tags)).tasks.map((listed) => listed.id);
      expect(listedIds({ tag_key: ['project'], tag_value: ['p1'] })).toEqual([]);
      expect(listedIds({ tag_key: ['project'], tag_value: ['p2'] })).toEqual([task.id]);
      expect(listedIds({ tag_key: ['keep'] })).toEqual([task.id]);
    });
  });

  describe('listInStates and countByState', () => {
    it('lists the tasks in the given states, oldest first', () => {
      const [a, b, c, d] = [ids.next(), ids.next(), ids.next(), ids.next()];
      // Inserted out of order: the order comes from the ids, not from the insert.
      store.insert(storedTask({ id: c ?? '', state: 'RUNNING' }));
      store.insert(storedTask({ id: a ?? '', state: 'QUEUED' }));
      store.insert(storedTask({ id: d ?? '', state: 'COMPLETE' }));
      store.insert(storedTask({ id: b ?? '', state: 'QUEUED', ran: true }));
      expect(store.listInStates(['QUEUED', 'RUNNING']).map((task) => task.id)).toEqual([a, b, c]);
      expect(store.listInStates(['QUEUED', 'QUEUED']).map((task) => task.id)).toEqual([a, b]);
      expect(store.listInStates(['QUEUED'])[1]).toEqual(storedTask({ id: b ?? '', state: 'QUEUED', ran: true }));
      expect(store.listInStates([])).toEqual([]);
    });

    it('counts the tasks in each state, leaving out states without tasks', () => {
      expect(store.countByState()).toEqual({});
      for (const state of ['QUEUED', 'QUEUED', 'RUNNING', 'COMPLETE', 'QUEUED'] as const) store.insert(storedTask({ id: ids.next(), state }));
      expect(store.countByState()).toEqual({ QUEUED: 3, RUNNING: 1, COMPLETE: 1 });
    });
  });

  describe('list', () => {
    it('takes % and _ in name_prefix literally', () => {
      const names = ['a%b', 'axb', 'a_b', 'ab', 'A_b', '%', '_'];
      const tasks = names.map((name) => storedTask({ id: ids.next(), name }));
      for (const task of tasks) store.insert(task);
      const named = (prefix: string) => store.list(parseListQuery({ name_prefix: prefix, view: 'BASIC' })).tasks.map((task) => task.name);
      expect(named('a%')).toEqual(['a%b']);
      expect(named('a_')).toEqual(['a_b']);
      expect(named('%')).toEqual(['%']);
      expect(named('_')).toEqual(['_']);
      expect(named('a')).toEqual(['ab', 'a_b', 'axb', 'a%b']);
    });

    it('finds names under a prefix of U+FFFF characters, whose index range has no upper end', () => {
      for (const name of ['\uffff', '\uffff\uffffz', 'z', '\ufffe', '\uffff\ud800']) store.insert(storedTask({ id: ids.next(), name }));
      for (const nameIndexLimit of [0, 4096]) {
        const tuned = new SqliteTesTaskStore({ file: ':memory:' }, { nameIndexLimit });
        try {
          for (const task of store.listInStates(['QUEUED'])) tuned.insert(task);
          const named = (prefix: string) => tuned.list(parseListQuery({ name_prefix: prefix, view: 'BASIC' })).tasks.map((task) => task.name);
          expect(named('\uffff')).toEqual(['\uffff\ud800', '\uffff\uffffz', '\uffff']);
          expect(named('\uffff\uffff')).toEqual(['\uffff\uffffz']);
          expect(named('\ufffe')).toEqual(['\ufffe']);
        } finally {
          tuned.close();
        }
      }
    });

    it('refuses a page size parseListQuery would not give', () => {
      const query = parseListQuery({});
      expect(captureCapstanError(() => store.list({ ...query, pageSize: 0 }))).toMatchObject({ code: ErrorCode.TesInvalidQuery, path: 'page_size' });
      expect(captureCapstanError(() => store.list({ ...query, pageSize: 2.5 })).path).toBe('page_size');
    });
  });
});

describe('SqliteTesTaskStore in a file', () => {
  let folder: TempFolder;

  beforeEach(() => {
    folder = makeTempFolder();
  });

  afterEach(() => folder.remove());

  it('keeps tasks, updates and tags across close and reopen, in a folder it creates', () => {
    const file = join(folder.path, 'state', 'nested', 'tasks.sqlite');
    const first = storedTask({ id: ids.next(), name: 'align', tags: { project: 'p1' } });
    const second = storedTask({ id: ids.next(), name: 'sort', content: 'sort it\n', tags: { project: 'p2' } });
    const store = new SqliteTesTaskStore({ file });
    try {
      store.insert(first);
      store.insert(second);
      store.update(first.id, (task) => ({ ...task, state: 'INITIALIZING' }));
      // WAL mode, and the exclusive locking mode keeps the WAL index in memory: no -shm file.
      expect(existsSync(`${file}-wal`)).toBe(true);
      expect(existsSync(`${file}-shm`)).toBe(false);
    } finally {
      store.close();
    }
    const reopened = new SqliteTesTaskStore({ file });
    try {
      expect(reopened.get(first.id)).toEqual({ ...first, state: 'INITIALIZING' });
      expect(JSON.stringify(reopened.get(second.id))).toBe(JSON.stringify(storedTesTaskSchema.parse(second)));
      expect(reopened.countByState()).toEqual({ QUEUED: 1, INITIALIZING: 1 });
      expect(reopened.list(parseListQuery({ tag_key: 'project', tag_value: 'p2' })).tasks).toEqual([{ id: second.id, state: 'QUEUED' }]);
      expect(reopened.list(parseListQuery({})).tasks.map((task) => task.id)).toEqual([second.id, first.id]);
    } finally {
      reopened.close();
    }
  });

  it('answers MINIMAL without reading the documents', () => {
    const file = join(folder.path, 'tasks.sqlite');
    const task = storedTask({ id: ids.next(), name: 'align', tags: { project: 'p1' }, state: 'RUNNING' });
    const store = new SqliteTesTaskStore({ file });
    store.insert(task);
    store.close();
    const db = new Database(file);
    db.prepare("UPDATE task_documents SET basic_json = 'not JSON', extra_json = 'not JSON'").run();
    db.close();
    const reopened = new SqliteTesTaskStore({ file });
    try {
      expect(reopened.list(parseListQuery({ name_prefix: 'al', tag_key: 'project', state: 'RUNNING' })).tasks).toEqual([{ id: task.id, state: 'RUNNING' }]);
      expect(reopened.getView(task.id, 'MINIMAL')).toEqual({ id: task.id, state: 'RUNNING' });
      expect(() => reopened.list(parseListQuery({ view: 'BASIC' }))).toThrow(SyntaxError);
    } finally {
      reopened.close();
    }
  });

  it('may be closed twice', () => {
    const store = new SqliteTesTaskStore({ file: join(folder.path, 'tasks.sqlite') });
    store.close();
    expect(() => store.close()).not.toThrow();
  });
});
