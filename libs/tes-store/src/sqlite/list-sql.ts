import { FINAL_STATES, type ListQuery, type TesState, type TesView } from '@capstan/tes-model';
import { utf16Key } from './utf16-key';

export type SqlParameter = Buffer | string | number;

/** A statement's text and its positional parameters, built together so they cannot drift apart. */
export interface SqlWithParameters {
  readonly sql: string;
  readonly parameters: readonly SqlParameter[];
}

/**
 * Which index a list page is read through:
 * - `id`: `tasks` in id order (or `tasks_by_state` when a state is asked), the other filters tested on each row;
 * - `tag`: the first tag filter's rows in `task_tags`, which come in id order too, so a rare tag costs no more than
 *   its matches (a value filter drives rather than a key-only one, since it is the more selective);
 * - `name`: the `tasks_by_name` range of the prefix, sorted by id; only for a prefix that few tasks match, since the
 *   sort costs in proportion to the matches (the caller counts them first with {@link namePrefixCountSql}).
 */
export type ListAccess = 'id' | 'tag' | 'name';

/** What BASIC and FULL read besides the `tasks` row: one document, or both. */
const DOCUMENT_COLUMNS: Readonly<Record<Exclude<TesView, 'MINIMAL'>, string>> = {
  BASIC: 'basic_json',
  FULL: 'basic_json, extra_json',
};

type ListFilters = Pick<ListQuery, 'cursor' | 'state' | 'namePrefix' | 'tags'>;

/**
 * How a page returns each id: `key`, the UTF-16BE key as a BLOB (`id_key`, one Buffer per row), or `text`, the same
 * bytes cast to TEXT (`id_text`), a plain string that `asciiKeyText` reads back when the id is ASCII, as every id the
 * server makes is. A Buffer per row was most of a MINIMAL page's cost.
 */
export type IdForm = 'key' | 'text';

const ID_COLUMNS: Readonly<Record<IdForm, (table: string) => string>> = {
  key: (table) => `${table}.id_key AS id_key`,
  text: (table) => `CAST(${table}.id_key AS TEXT) AS id_text`,
};

/** The access a query would use without a name count: `tag` when it has a tag filter, else `id`. */
export function defaultAccess(query: ListFilters): ListAccess {
  return Object.keys(query.tags).length > 0 ? 'tag' : 'id';
}

/**
 * One ListTasks page as SQL: tes-model's `selectTaskPage` (`WHERE id < :after ORDER BY id DESC LIMIT :size + 1`) with
 * the filters of `matchesListQuery`, one row more than the page to know whether another page follows.
 * - name_prefix: the first bytes of the name key equal the prefix key; a true prefix with no wildcard characters
 *   (LIKE is not used), and a task without a name (NULL) matches no prefix. The empty prefix filters nothing.
 * - owner: only the tasks of that principal (absent: everyone's, for admins).
 * - tags: per filter key, a tag row with that key, and with that value unless the filter value is empty (matchesTags).
 * Parameters are bound, never spliced; the text depends only on which filters are present, so statements are reused.
 */
export function listTasksSql(query: ListFilters & Pick<ListQuery, 'view'>, limit: number, access: ListAccess, owner?: string, idForm: IdForm = 'key'): SqlWithParameters {
  const where = new Conjunction();
  // In SQL, not after it, so that a page of one principal's tasks is full and its cursor exact.
  if (owner !== undefined) where.add('tasks.owner = ?', owner);
  const tags = Object.entries(query.tags).sort(([, a], [, b]) => Number(a === '') - Number(b === ''));
  const driver = access === 'tag' ? tags.shift() : undefined;
  let source = 'tasks';
  let order = 'tasks.id_key';
  if (driver !== undefined) {
    // CROSS JOIN keeps task_tags the outer loop: its rows for one key (and value) are in id order.
    source = 'task_tags AS driver CROSS JOIN tasks ON tasks.id_key = driver.task_key';
    order = 'driver.task_key';
    where.add('driver.key = ?', utf16Key(driver[0]));
    if (driver[1] !== '') where.add('driver.value = ?', utf16Key(driver[1]));
  }
  if (query.cursor !== undefined) where.add(`${order} < ?`, utf16Key(query.cursor.after));
  if (query.state !== undefined) where.add('tasks.state = ?', query.state);
  const prefix = namePrefixKey(query);
  if (prefix !== undefined) {
    if (access === 'name') {
      source = 'tasks INDEXED BY tasks_by_name';
      where.add(...nameRange(prefix));
    }
    where.add('substr(tasks.name_key, 1, ?) = ?', prefix.length, prefix);
  }
  for (const [key, value] of tags) {
    if (value === '') where.add('EXISTS (SELECT 1 FROM task_tags WHERE key = ? AND task_key = tasks.id_key)', utf16Key(key));
    else where.add('EXISTS (SELECT 1 FROM task_tags WHERE key = ? AND value = ? AND task_key = tasks.id_key)', utf16Key(key), utf16Key(value));
  }
  // The page reads only what the indexes hold (id, state, name, tags), so the by-state and by-name accesses never
  // visit a `tasks` row of a task they skip.
  const chosen = `FROM ${source}${where.sql()} ORDER BY ${order} DESC LIMIT ?`;
  const parameters = [...where.parameters, limit];
  if (query.view === 'MINIMAL') return { sql: `SELECT ${ID_COLUMNS[idForm]('tasks')}, tasks.state AS state ${chosen}`, parameters };
  const page = `SELECT tasks.id_key AS id_key, tasks.state AS state ${chosen}`;
  // The documents are read once the page is chosen: in a plain join SQLite reads each candidate's document before
  // testing the filters, which costs a document read for every task a filter skips.
  const documents = `SELECT ${ID_COLUMNS[idForm]('page')}, page.state AS state, ${DOCUMENT_COLUMNS[query.view]} FROM (${page}) AS page`;
  return { sql: `${documents} JOIN tasks USING (id_key) JOIN task_documents USING (seq) ORDER BY page.id_key DESC`, parameters };
}

/** How many tasks have a name starting with the query's prefix, counting no further than `limit`. */
export function namePrefixCountSql(prefix: Buffer, limit: number): SqlWithParameters {
  const [condition, ...parameters] = nameRange(prefix);
  return { sql: `SELECT count(*) AS count FROM (SELECT 1 FROM tasks INDEXED BY tasks_by_name WHERE ${condition} LIMIT ?)`, parameters: [...parameters, limit] };
}

/** The query's name prefix as a key; undefined when it filters nothing (missing or empty). */
export function namePrefixKey(query: Pick<ListQuery, 'namePrefix'>): Buffer | undefined {
  return query.namePrefix === undefined || query.namePrefix === '' ? undefined : utf16Key(query.namePrefix);
}

/**
 * The range of `tasks_by_name` holding every name key that starts with `prefix`: from the prefix up to (not
 * including) the prefix with its last byte below 0xFF incremented and the 0xFF bytes after it dropped. Exact for
 * byte strings; the `substr` test stays in the query all the same.
 */
function nameRange(prefix: Buffer): [string, ...SqlParameter[]] {
  let end = prefix.length;
  while (end > 0 && prefix[end - 1] === 0xff) end -= 1;
  if (end === 0) return ['tasks.name_key >= ?', prefix];
  const upper = Buffer.from(prefix.subarray(0, end));
  upper[end - 1] = (upper[end - 1] ?? 0) + 1;
  return ['tasks.name_key >= ? AND tasks.name_key < ?', prefix, upper];
}

/** Conditions joined by AND, with their parameters in the same order. */
class Conjunction {
  private readonly conditions: string[] = [];
  readonly parameters: SqlParameter[] = [];

  add(condition: string, ...parameters: SqlParameter[]): void {
    this.conditions.push(condition);
    this.parameters.push(...parameters);
  }

  sql(): string {
    return this.conditions.length === 0 ? '' : ` WHERE ${this.conditions.join(' AND ')}`;
  }
}

/** Every task in one of `states`, oldest first. */
export function tasksInStatesSql(states: readonly TesState[]): SqlWithParameters {
  const distinct = [...new Set(states)];
  return {
    sql: `SELECT basic_json, extra_json FROM tasks JOIN task_documents USING (seq) WHERE state IN (${distinct.map(() => '?').join(', ')}) ORDER BY id_key`,
    parameters: distinct,
  };
}

/** Up to `limit` tasks that reached a final state before `cutoff` (an ISO time), the longest finished first. */
export function finishedBeforeSql(cutoff: string, limit: number): SqlWithParameters {
  return {
    sql: `SELECT id_key FROM tasks INDEXED BY tasks_by_finish WHERE finished_time IS NOT NULL AND finished_time < ? AND state IN (${FINAL_STATES.map(() => '?').join(', ')}) ORDER BY finished_time LIMIT ?`,
    parameters: [cutoff, ...FINAL_STATES, limit],
  };
}

/** Deletes one task's rows, only while it is in a final state: retention can never take a task that runs. */
export function deleteFinishedSql(idKey: Buffer): SqlWithParameters[] {
  const finals = FINAL_STATES.map(() => '?').join(', ');
  const condition = `task_key = ? AND EXISTS (SELECT 1 FROM tasks WHERE id_key = ? AND state IN (${finals}))`;
  return [
    { sql: `DELETE FROM task_tags WHERE ${condition}`, parameters: [idKey, idKey, ...FINAL_STATES] },
    { sql: `DELETE FROM task_documents WHERE seq = (SELECT seq FROM tasks WHERE id_key = ? AND state IN (${finals}))`, parameters: [idKey, ...FINAL_STATES] },
    { sql: `DELETE FROM tasks WHERE id_key = ? AND state IN (${finals})`, parameters: [idKey, ...FINAL_STATES] },
  ];
}
