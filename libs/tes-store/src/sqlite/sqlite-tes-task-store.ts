import { CapstanError, ErrorCode, parseWithSchema } from '@capstan/core-constraints';
import {
  assertTransition,
  isFinal,
  type ListQuery,
  MAX_PAGE_SIZE,
  type StoredTesTask,
  storedTesTaskSchema,
  type TesState,
  type TesTaskInView,
  type TesView,
} from '@capstan/tes-model';
import type Database from 'better-sqlite3';
import { type TesTaskJsonPage, type TesTaskListPage, type TesTaskStore } from '../tes-task-store';
import {
  defaultAccess,
  deleteFinishedSql,
  finishedBeforeSql,
  type IdForm,
  type ListAccess,
  listTasksSql,
  namePrefixCountSql,
  namePrefixKey,
  type SqlParameter,
  tasksInStatesSql,
} from './list-sql';
import { idsOf, type ListRow, minimalPageSql, type MinimalPageRow, minimalTaskJson, pageEnd, readMinimalPage } from './page-rows';
import { openTaskDatabase } from './open-task-database';
import { StatementCache } from './statement-cache';
import { parseSqliteTesTaskStoreOptions, type SqliteTesTaskStoreOptions } from './store-options';
import { sameTags, toTagRows, toTaskRow } from './task-row';
import { documentView, documentViewJson, joinTask } from './task-documents';
import { fromUtf16Key, utf16Key } from './utf16-key';

interface DocumentRow {
  readonly seq: number;
  readonly basic_json: string;
  readonly extra_json: string | null;
}

/** How list pages are read; tests set it to drive every path. */
export interface ListTuning {
  /** A fixed {@link nameIndexLimit} instead of the computed one. */
  readonly nameIndexLimit?: number;
}

/**
 * A name prefix matched by fewer tasks than this is listed through the name index (its matches sorted by id), a more
 * common one by scanning in id order. Scanning costs about pageSize * tasks / matches rows, the index up to about six
 * times as much per match (measured on 100,000 tasks: ~0.1 us per scanned row, at most ~0.6 us per match with the
 * count and the sort), so the two are even at matches = sqrt(pageSize * tasks / 6): about 2,000 for pages of 256
 * among 100,000 tasks. The cost is a few milliseconds either way near the limit; far from it the choice matters.
 */
export function nameIndexLimit(pageSize: number, taskCount: number): number {
  return Math.max(pageSize, Math.ceil(Math.sqrt((pageSize * taskCount) / 6)));
}

/** The owner of tasks stored without one (before owners were kept): no principal has it, so only admins see them. */
export const NO_OWNER = '';

const SELECT_DOCUMENT = 'SELECT seq, basic_json, extra_json FROM tasks JOIN task_documents USING (seq) WHERE id_key = ?';

/**
 * The TES task store in one SQLite file (better-sqlite3, synchronous). See the package README for the layout; in
 * short: MINIMAL lists read only the small `tasks` rows, BASIC one stored document per task, FULL two.
 * Every write is validated against `storedTesTaskSchema` first, so the file only ever holds tasks tes-model accepts;
 * reads trust the file (it is this store's own, versioned by its schema) and do not validate again.
 */
export class SqliteTesTaskStore implements TesTaskStore {
  private readonly db: Database.Database;
  private readonly statements: StatementCache;
  private readonly insertInTransaction: (task: StoredTesTask, owner: string) => void;
  private readonly insertManyInTransaction: (tasks: readonly StoredTesTask[], owners: readonly string[]) => void;
  private readonly removeInTransaction: (id: string) => boolean;
  private readonly updateInTransaction: (id: string, change: (task: StoredTesTask) => StoredTesTask) => StoredTesTask | undefined;
  private readonly tuning: ListTuning;
  /** Tasks in the file, for {@link nameIndexLimit}: counted at open, then kept up to date by the inserts. */
  private taskCount: number;

  /** Opens (or creates) the store; throws a CapstanError (`config.invalid`, path `file`) when it cannot. */
  constructor(options: SqliteTesTaskStoreOptions, tuning: ListTuning = {}) {
    this.tuning = tuning;
    const { file } = parseSqliteTesTaskStoreOptions(options);
    this.db = openTaskDatabase(file);
    this.statements = new StatementCache(this.db);
    this.insertInTransaction = this.db.transaction((task: StoredTesTask, owner: string) => this.insertRows(task, owner));
    this.insertManyInTransaction = this.db.transaction((tasks: readonly StoredTesTask[], owners: readonly string[]) =>
      tasks.forEach((task, index) => this.insertRows(task, owners[index] ?? NO_OWNER)),
    );
    this.removeInTransaction = this.db.transaction((id: string) => this.removeRows(id));
    this.updateInTransaction = this.db.transaction((id: string, change: (task: StoredTesTask) => StoredTesTask) => this.updateRows(id, change));
    this.taskCount = this.getRow<{ count: number }>('SELECT count(*) AS count FROM tasks')?.count ?? 0;
  }

  insert(task: StoredTesTask, owner: string = NO_OWNER): void {
    this.insertInTransaction(validTask(task), owner);
    this.taskCount += 1;
  }

  insertMany(tasks: readonly StoredTesTask[], owners: readonly string[] = []): void {
    this.insertCreated(tasks.map(validTask), owners);
  }

  insertCreated(tasks: readonly StoredTesTask[], owners: readonly string[]): void {
    this.insertManyInTransaction(tasks, owners);
    this.taskCount += tasks.length;
  }

  ownerOf(id: string): string | undefined {
    return this.getRow<{ owner: string }>('SELECT owner FROM tasks WHERE id_key = ?', utf16Key(id))?.owner;
  }

  finishedBefore(cutoff: Date, limit: number): string[] {
    const { sql, parameters } = finishedBeforeSql(cutoff.toISOString(), limit);
    return this.allRows<{ id_key: Buffer }>(sql, ...parameters).map((row) => fromUtf16Key(row.id_key));
  }

  removeFinished(id: string): boolean {
    const removed = this.removeInTransaction(id);
    if (removed) this.taskCount -= 1;
    return removed;
  }

  get(id: string): StoredTesTask | undefined {
    const row = this.getRow<DocumentRow>(SELECT_DOCUMENT, utf16Key(id));
    return row === undefined ? undefined : joinTask(row.basic_json, row.extra_json);
  }

  getView(id: string, view: TesView): TesTaskInView | undefined {
    if (view === 'MINIMAL') {
      const row = this.getRow<{ state: TesState }>('SELECT state FROM tasks WHERE id_key = ?', utf16Key(id));
      return row === undefined ? undefined : { id, state: row.state };
    }
    const row = this.getRow<DocumentRow>(SELECT_DOCUMENT, utf16Key(id));
    return row === undefined ? undefined : documentView(row.basic_json, row.extra_json, view);
  }

  update(id: string, change: (task: StoredTesTask) => StoredTesTask): StoredTesTask | undefined {
    return this.updateInTransaction(id, change);
  }

  list(query: ListQuery, owner?: string): TesTaskListPage {
    const view = query.view;
    if (view === 'MINIMAL') {
      const { ids, states, nextPageToken } = this.minimalPage(query, owner);
      return { tasks: ids.map((id, index) => ({ id, state: states[index] ?? 'UNKNOWN' })), nextPageToken };
    }
    const { rows, nextPageToken } = this.pageRows(query, owner);
    return { tasks: rows.map((row) => documentView(row.basic_json ?? '{}', row.extra_json ?? null, view)), nextPageToken };
  }

  listJson(query: ListQuery, owner?: string): TesTaskJsonPage {
    const view = query.view;
    if (view === 'MINIMAL') {
      const { ids, states, nextPageToken } = this.minimalPage(query, owner);
      return { tasks: minimalTaskJson(ids, states), nextPageToken };
    }
    const { rows, ids, nextPageToken } = this.pageRows(query, owner);
    return { tasks: rows.map((row, index) => ({ id: ids[index] ?? '', json: documentViewJson(row.basic_json ?? '{}', row.extra_json ?? null, view) })), nextPageToken };
  }

  /** A MINIMAL page read as one row of SQLite (see minimal-page.ts), or row by row if that row cannot be trusted. */
  private minimalPage(query: ListQuery, owner: string | undefined): { ids: string[]; states: TesState[]; nextPageToken: string | undefined } {
    checkPageSize(query.pageSize);
    const { sql, parameters } = minimalPageSql(listTasksSql(query, query.pageSize + 1, this.listAccess(query), owner, 'key'));
    const read = readMinimalPage(this.getRow<MinimalPageRow>(sql, ...parameters) ?? { keys: null, lengths: null, states: null });
    if (read === undefined) {
      const { rows, ids, nextPageToken } = this.pageRows(query, owner);
      return { ids, states: rows.map((row) => row.state), nextPageToken };
    }
    const { size, nextPageToken } = pageEnd(read.ids, query.pageSize);
    return { ids: read.ids.slice(0, size), states: read.states.slice(0, size), nextPageToken };
  }

  /**
   * The rows of one page, their ids, and the token of the next (read one row past the page to know whether there is
   * one). Ids are read as text; a page with an id that is not plain ASCII (never one the server made) is read again
   * with its ids as keys.
   */
  private pageRows(query: ListQuery, owner: string | undefined): { rows: ListRow[]; ids: string[]; nextPageToken: string | undefined } {
    checkPageSize(query.pageSize);
    const access = this.listAccess(query);
    const read = (idForm: IdForm): ListRow[] => {
      const { sql, parameters } = listTasksSql(query, query.pageSize + 1, access, owner, idForm);
      return this.allRows<ListRow>(sql, ...parameters);
    };
    let rows = read('text');
    let ids = idsOf(rows);
    if (ids === undefined) {
      rows = read('key');
      ids = rows.map((row) => fromUtf16Key(row.id_key ?? Buffer.alloc(0)));
    }
    const { size, nextPageToken } = pageEnd(ids, query.pageSize);
    return { rows: rows.slice(0, size), ids: ids.slice(0, size), nextPageToken };
  }

  listInStates(states: readonly TesState[]): StoredTesTask[] {
    if (states.length === 0) return [];
    const { sql, parameters } = tasksInStatesSql(states);
    return this.allRows<DocumentRow>(sql, ...parameters).map((row) => joinTask(row.basic_json, row.extra_json));
  }

  countByState(): Partial<Record<TesState, number>> {
    const rows = this.allRows<{ state: TesState; count: number }>('SELECT state, count(*) AS count FROM tasks GROUP BY state');
    return Object.fromEntries(rows.map((row) => [row.state, row.count]));
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  private insertRows(task: StoredTesTask, owner: string): void {
    const row = toTaskRow(task);
    if (this.getRow('SELECT 1 FROM tasks WHERE id_key = ?', row.id_key) !== undefined) {
      throw new CapstanError(ErrorCode.InvalidValue, `task id ${JSON.stringify(task.id)} is already stored; give each new task its own id (createStoredTask makes one with newTaskId)`, {
        path: 'id',
        details: { value: task.id },
      });
    }
    const seq = Number(this.statements.get('INSERT INTO task_documents (basic_json, extra_json) VALUES (?, ?)').run(row.basic_json, row.extra_json).lastInsertRowid);
    this.statements
      .get('INSERT INTO tasks (id_key, state, name_key, creation_time, seq, owner, finished_time) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(row.id_key, row.state, row.name_key, row.creation_time, seq, owner, isFinal(task.state) ? new Date().toISOString() : null);
    this.insertTags(row.id_key, task.tags);
  }

  private updateRows(id: string, change: (task: StoredTesTask) => StoredTesTask): StoredTesTask | undefined {
    const stored = this.getRow<DocumentRow>(SELECT_DOCUMENT, utf16Key(id));
    if (stored === undefined) return undefined;
    const before = joinTask(stored.basic_json, stored.extra_json);
    // `change` gets its own copy: it may edit it in place and return it, and `before` must stay as stored.
    const after = validTask(change(joinTask(stored.basic_json, stored.extra_json)));
    if (after.id !== before.id) {
      throw new CapstanError(ErrorCode.InvalidValue, `an update may not change a task's id (${JSON.stringify(before.id)} -> ${JSON.stringify(after.id)}); keep the id, and insert a new task for a new id`, {
        path: 'id',
        details: { from: before.id, to: after.id },
      });
    }
    if (after.state !== before.state) assertTransition(before.state, after.state);
    const row = toTaskRow(after);
    this.statements.get('UPDATE tasks SET state = ?, name_key = ?, creation_time = ? WHERE id_key = ?').run(row.state, row.name_key, row.creation_time, row.id_key);
    if (after.state !== before.state && isFinal(after.state)) {
      this.statements.get('UPDATE tasks SET finished_time = ? WHERE id_key = ?').run(new Date().toISOString(), row.id_key);
    }
    this.statements.get('UPDATE task_documents SET basic_json = ?, extra_json = ? WHERE seq = ?').run(row.basic_json, row.extra_json, stored.seq);
    if (!sameTags(before.tags, after.tags)) {
      const deleteTag = this.statements.get('DELETE FROM task_tags WHERE key = ? AND value = ? AND task_key = ?');
      for (const tag of toTagRows(before.tags)) deleteTag.run(tag.key, tag.value, row.id_key);
      this.insertTags(row.id_key, after.tags);
    }
    return after;
  }

  private removeRows(id: string): boolean {
    let changes = 0;
    for (const { sql, parameters } of deleteFinishedSql(utf16Key(id))) changes = this.statements.get(sql).run(...parameters).changes;
    // The last statement deletes the `tasks` row: it says whether the task was there and final.
    return changes > 0;
  }

  private insertTags(idKey: Buffer, tags: Readonly<Record<string, string>>): void {
    const insertTag = this.statements.get('INSERT INTO task_tags (key, value, task_key) VALUES (?, ?, ?)');
    for (const tag of toTagRows(tags)) insertTag.run(tag.key, tag.value, idKey);
  }

  private listAccess(query: ListQuery): ListAccess {
    const prefix = namePrefixKey(query);
    if (prefix !== undefined) {
      const limit = this.tuning.nameIndexLimit ?? nameIndexLimit(query.pageSize, this.taskCount);
      const { sql, parameters } = namePrefixCountSql(prefix, limit);
      const matches = this.getRow<{ count: number }>(sql, ...parameters)?.count ?? limit;
      if (matches < limit) return 'name';
    }
    return defaultAccess(query);
  }

  private getRow<Row>(sql: string, ...parameters: SqlParameter[]): Row | undefined {
    return this.statements.get(sql).get(...parameters) as Row | undefined;
  }

  private allRows<Row>(sql: string, ...parameters: SqlParameter[]): Row[] {
    return this.statements.get(sql).all(...parameters) as Row[];
  }
}

/** The task as the schema reads it (defaults filled, unknown fields dropped); a CapstanError names the bad field. */
function validTask(task: StoredTesTask): StoredTesTask {
  return parseWithSchema(storedTesTaskSchema, task, null);
}

/** `parseListQuery` guarantees this; a query built by hand might not, and SQLite would take a bad LIMIT quietly. */
function checkPageSize(pageSize: number): void {
  if (Number.isInteger(pageSize) && pageSize >= 1 && pageSize <= MAX_PAGE_SIZE) return;
  throw new CapstanError(ErrorCode.TesInvalidQuery, `page_size is ${String(pageSize)}; ask for 1 to ${MAX_PAGE_SIZE} tasks (parseListQuery reads it from the query)`, {
    path: 'page_size',
    details: { value: pageSize },
  });
}
