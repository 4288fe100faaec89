import { type ListQuery, type TesState, type TesView } from '@capstan/tes-model';
import { utf16Key } from './utf16-key';

/** A statement's text and its positional parameters, built together so they cannot drift apart. */
export interface SqlWithParameters {
  readonly sql: string;
  readonly parameters: readonly SqlParameter[];
}

export type SqlParameter = Buffer | string | number;

/** What BASIC and FULL read besides the `tasks` row: one document, or both. */
const DOCUMENT_COLUMNS: Readonly<Record<Exclude<TesView, 'MINIMAL'>, string>> = {
  BASIC: 'basic_json',
  FULL: 'basic_json, extra_json',
};

/**
 * One ListTasks page as SQL: tes-model's `selectTaskPage` (`WHERE id < :after ORDER BY id DESC LIMIT :size + 1`) with
 * the filters of `matchesListQuery`, one row more than the page to know whether another page follows.
 * - name_prefix: the first bytes of the name key equal the prefix key; a true prefix with no wildcard characters
 *   (LIKE is not used), and a task without a name (NULL) matches no prefix. The empty prefix filters nothing.
 * - tags: per filter key, a tag row with that key, and with that value unless the filter value is empty (matchesTags).
 * Parameters are bound, never spliced; the text depends only on which filters are present, so statements are reused.
 */
export function listTasksSql(query: Pick<ListQuery, 'cursor' | 'state' | 'namePrefix' | 'tags' | 'view'>, limit: number): SqlWithParameters {
  const conditions: string[] = [];
  const parameters: SqlParameter[] = [];
  if (query.cursor !== undefined) {
    conditions.push('id_key < ?');
    parameters.push(utf16Key(query.cursor.after));
  }
  if (query.state !== undefined) {
    conditions.push('state = ?');
    parameters.push(query.state);
  }
  if (query.namePrefix !== undefined && query.namePrefix !== '') {
    const prefix = utf16Key(query.namePrefix);
    conditions.push('substr(name_key, 1, ?) = ?');
    parameters.push(prefix.length, prefix);
  }
  for (const [key, value] of Object.entries(query.tags)) {
    const valueCondition = value === '' ? '' : ' AND value = ?';
    conditions.push(`EXISTS (SELECT 1 FROM task_tags WHERE task = tasks.seq AND key = ?${valueCondition})`);
    parameters.push(utf16Key(key));
    if (value !== '') parameters.push(utf16Key(value));
  }
  const where = conditions.length === 0 ? '' : ` WHERE ${conditions.join(' AND ')}`;
  parameters.push(limit);
  const page = `SELECT id_key, state, seq FROM tasks${where} ORDER BY id_key DESC LIMIT ?`;
  if (query.view === 'MINIMAL') return { sql: page, parameters };
  // The page is chosen first and its documents read after: in a plain join SQLite reads each candidate's document
  // before testing the tag filter, which costs a document read for every task the filter skips.
  return { sql: `SELECT id_key, state, ${DOCUMENT_COLUMNS[query.view]} FROM (${page}) JOIN task_documents USING (seq) ORDER BY id_key DESC`, parameters };
}

/** Every task in one of `states`, oldest first. */
export function tasksInStatesSql(states: readonly TesState[]): SqlWithParameters {
  const distinct = [...new Set(states)];
  return {
    sql: `SELECT basic_json, extra_json FROM tasks JOIN task_documents USING (seq) WHERE state IN (${distinct.map(() => '?').join(', ')}) ORDER BY id_key`,
    parameters: distinct,
  };
}
