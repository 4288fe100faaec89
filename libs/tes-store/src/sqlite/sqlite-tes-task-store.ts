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
import { DEFAULT_INDEX_BATCHING, DeferredIndex, type IndexBatching, type IndexedFields, type IndexRows, indexRowsOf } from './deferred-index';
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
import { documentView, documentViewJson, joinTask, splitTask } from './task-documents';
import { fromUtf16Key, utf16Key } from './utf16-key';

interface DocumentRow {
  readonly seq: number;
  readonly basic_json: string;
  readonly extra_json: string | null;
}

/** How list pages are read and index rows written; tests set it to drive every path. */
export interface ListTuning {
  /** A fixed {@link nameIndexLimit} instead of the computed one. */
  readonly nameIndexLimit?: number;
  /** When the index rows of new tasks are written (default {@link DEFAULT_INDEX_BATCHING}). */
  readonly indexBatching?: IndexBatching;
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

const now = (): string => new Date().toISOString();

/** The index rows of the tasks a transaction inserts, and their ids: handed to the DeferredIndex once it commits. */
interface Staged {
  readonly rows: IndexRows[];
  readonly ids: Set<string>;
}

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
  private readonly insertInTransaction: (tasks: readonly StoredTesTask[], owners: readonly string[], staged: Staged) => void;
  /** The index rows of tasks whose documents are committed, written in batches (see deferred-index.ts). */
  private readonly index: DeferredIndex;
  /** The `seq` of the next document: above every document's and above `index_state.indexed_seq`. */
  private nextSeq: number;
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
    this.insertInTransaction = this.db.transaction((tasks: readonly StoredTesTask[], owners: readonly string[], staged: Staged) =>
      tasks.forEach((task, index) => this.insertDocument(task, owners[index] ?? NO_OWNER, staged)),
    );
    this.index = new DeferredIndex(this.db, tuning.indexBatching ?? DEFAULT_INDEX_BATCHING);
    try {
      this.nextSeq = this.indexUnindexed();
    } catch (error) {
      // Not opened after all: the file's lock goes with the connection.
      this.db.close();
      throw error;
    }
    this.removeInTransaction = this.db.transaction((id: string) => this.removeRows(id));
    this.updateInTransaction = this.db.transaction((id: string, change: (task: StoredTesTask) => StoredTesTask) => this.updateRows(id, change));
    this.taskCount = this.getRow<{ count: number }>('SELECT count(*) AS count FROM tasks')?.count ?? 0;
  }

  insert(task: StoredTesTask, owner: string = NO_OWNER): void {
    this.insertCreated([validTask(task)], [owner]);
  }

  insertMany(tasks: readonly StoredTesTask[], owners: readonly string[] = []): void {
    this.insertCreated(tasks.map(validTask), owners);
  }

  insertCreated(tasks: readonly StoredTesTask[], owners: readonly string[]): void {
    const staged: Staged = { rows: [], ids: new Set() };
    this.insertInTransaction(tasks, owners, staged);
    // Committed: the tasks count from here, and their index rows wait for the next batch.
    this.taskCount += tasks.length;
    this.index.add(staged.rows);
  }

  ownerOf(id: string): string | undefined {
    this.index.flush();
    return this.getRow<{ owner: string }>('SELECT owner FROM tasks WHERE id_key = ?', utf16Key(id))?.owner;
  }

  finishedBefore(cutoff: Date, limit: number): string[] {
    this.index.flush();
    const { sql, parameters } = finishedBeforeSql(cutoff.toISOString(), limit);
    return this.allRows<{ id_key: Buffer }>(sql, ...parameters).map((row) => fromUtf16Key(row.id_key));
  }

  removeFinished(id: string): boolean {
    this.index.flush();
    const removed = this.removeInTransaction(id);
    if (removed) this.taskCount -= 1;
    return removed;
  }

  get(id: string): StoredTesTask | undefined {
    this.index.flush();
    const row = this.getRow<DocumentRow>(SELECT_DOCUMENT, utf16Key(id));
    return row === undefined ? undefined : joinTask(row.basic_json, row.extra_json);
  }

  getView(id: string, view: TesView): TesTaskInView | undefined {
    this.index.flush();
    if (view === 'MINIMAL') {
      const row = this.getRow<{ state: TesState }>('SELECT state FROM tasks WHERE id_key = ?', utf16Key(id));
      return row === undefined ? undefined : { id, state: row.state };
    }
    const row = this.getRow<DocumentRow>(SELECT_DOCUMENT, utf16Key(id));
    return row === undefined ? undefined : documentView(row.basic_json, row.extra_json, view);
  }

  update(id: string, change: (task: StoredTesTask) => StoredTesTask): StoredTesTask | undefined {
    this.index.flush();
    return this.updateInTransaction(id, change);
  }

  list(query: ListQuery, owner?: string): TesTaskListPage {
    this.index.flush();
    const view = query.view;
    if (view === 'MINIMAL') {
      const { ids, states, nextPageToken } = this.minimalPage(query, owner);
      return { tasks: ids.map((id, index) => ({ id, state: states[index] ?? 'UNKNOWN' })), nextPageToken };
    }
    const { rows, nextPageToken } = this.pageRows(query, owner);
    return { tasks: rows.map((row) => documentView(row.basic_json ?? '{}', row.extra_json ?? null, view)), nextPageToken };
  }

  listJson(query: ListQuery, owner?: string): TesTaskJsonPage {
    this.index.flush();
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
    this.index.flush();
    if (states.length === 0) return [];
    const { sql, parameters } = tasksInStatesSql(states);
    return this.allRows<DocumentRow>(sql, ...parameters).map((row) => joinTask(row.basic_json, row.extra_json));
  }

  countByState(): Partial<Record<TesState, number>> {
    this.index.flush();
    const rows = this.allRows<{ state: TesState; count: number }>('SELECT state, count(*) AS count FROM tasks GROUP BY state');
    return Object.fromEntries(rows.map((row) => [row.state, row.count]));
  }

  /** Writes the index rows that wait, then closes the file; when that write fails, the next open makes them. */
  close(): void {
    if (!this.db.open) return;
    try {
      this.index.flush();
    } catch {
      // The documents are committed: the next open indexes them again (indexUnindexed).
    } finally {
      this.index.close();
      this.db.close();
    }
  }

  /**
   * Commits a task's documents (in the caller's transaction) and stages its index rows in `staged`; refuses an id
   * already stored, already waiting for its index rows, or earlier in the same batch.
   */
  private insertDocument(task: StoredTesTask, owner: string, staged: Staged): void {
    if (this.index.has(task.id) || staged.ids.has(task.id) || this.getRow('SELECT 1 FROM tasks WHERE id_key = ?', utf16Key(task.id)) !== undefined) {
      throw new CapstanError(ErrorCode.InvalidValue, `task id ${JSON.stringify(task.id)} is already stored; give each new task its own id (createStoredTask makes one with newTaskId)`, {
        path: 'id',
        details: { value: task.id },
      });
    }
    const { basic, extra } = splitTask(task);
    // A seq is never given twice, even when the transaction rolls back: a gap costs nothing.
    const seq = this.nextSeq;
    this.nextSeq += 1;
    this.statements.get('INSERT INTO task_documents (seq, basic_json, extra_json, owner) VALUES (?, ?, ?, ?)').run(seq, basic, extra, owner);
    staged.rows.push(indexRowsOf(task, seq, owner, now));
    staged.ids.add(task.id);
  }

  /**
   * At open: writes the index rows of the documents past `index_state.indexed_seq` (the tasks a process committed but
   * ended before indexing), from the documents themselves. Returns the `seq` for the next document, above both, so a
   * seq freed by a deleted task is never handed out again below the mark.
   */
  private indexUnindexed(): number {
    const indexed = this.getRow<{ indexed_seq: number }>('SELECT indexed_seq FROM index_state')?.indexed_seq ?? 0;
    const rows = this.allRows<{ seq: number; basic_json: string; owner: string | null }>('SELECT seq, basic_json, owner FROM task_documents WHERE seq > ? ORDER BY seq', indexed);
    this.index.add(rows.map((row) => indexRowsOf(JSON.parse(row.basic_json) as IndexedFields, row.seq, row.owner ?? NO_OWNER, now)));
    this.index.flush();
    return Math.max(indexed, rows.at(-1)?.seq ?? 0) + 1;
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
