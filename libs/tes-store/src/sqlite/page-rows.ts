import { encodePageToken, type TesState } from '@capstan/tes-model';
import { type TesTaskJson } from '../tes-task-store';
import { type SqlWithParameters } from './list-sql';
import { asciiKeyText } from './utf16-key';

/** A row of a list page, its id as a key or as text (list-sql.ts's IdForm). */
export interface ListRow {
  readonly id_key?: Buffer;
  readonly id_text?: string;
  readonly state: TesState;
  readonly basic_json?: string;
  readonly extra_json?: string | null;
}

/** The ids of rows read with their ids as text, or undefined if one of them is not ASCII. */
export function idsOf(rows: readonly ListRow[]): string[] | undefined {
  const ids: string[] = [];
  for (const row of rows) {
    const id = row.id_text === undefined ? undefined : asciiKeyText(row.id_text);
    if (id === undefined) return undefined;
    ids.push(id);
  }
  return ids;
}

/** Of `ids` read one past the page: how many are the page's, and the token of the next page if there is one. */
export function pageEnd(ids: readonly string[], pageSize: number): { size: number; nextPageToken: string | undefined } {
  const size = Math.min(ids.length, pageSize);
  const last = ids[size - 1];
  return { size, nextPageToken: ids.length > size && last !== undefined ? encodePageToken({ after: last }) : undefined };
}

/** A MINIMAL page as one row: the ids' keys end to end, each key's length in bytes, and the states, in page order. */
export interface MinimalPageRow {
  readonly keys: Buffer | null;
  readonly lengths: string | null;
  readonly states: string | null;
}

/**
 * Wraps a MINIMAL page's SQL (ids as keys) so that SQLite answers it as one {@link MinimalPageRow}: one Buffer and
 * three strings for the whole page instead of an object and a Buffer per task, which were most of a page's cost.
 * group_concat reads each BLOB's bytes unchanged, so the keys come back exactly.
 */
export function minimalPageSql(page: SqlWithParameters): SqlWithParameters {
  return {
    sql: `SELECT CAST(group_concat(id_key, '') AS BLOB) AS keys, group_concat(length(id_key), ',') AS lengths, group_concat(state, ',') AS states FROM (${page.sql})`,
    parameters: page.parameters,
  };
}

/**
 * The ids and states of a {@link MinimalPageRow}; undefined when the ids are not in strictly descending order, since
 * SQLite does not promise that group_concat keeps the order of its subquery: the caller then reads the rows one by one.
 * JavaScript's `<` orders the ids as their keys do (utf16-key.ts).
 */
export function readMinimalPage(row: MinimalPageRow): { ids: string[]; states: TesState[] } | undefined {
  if (row.keys === null || row.lengths === null || row.states === null) return { ids: [], states: [] };
  // The row's Buffer is this read's own (SQLite copies a BLOB out for each row): swapped in place, not copied.
  const text = row.keys.swap16().toString('utf16le');
  const states = row.states.split(',') as TesState[];
  const ids: string[] = [];
  const lengths = row.lengths;
  let at = 0;
  let bytes = 0;
  let previous: string | undefined;
  // The lengths are decimal numbers joined by commas; read digit by digit rather than split and converted.
  for (let index = 0; index <= lengths.length; index += 1) {
    const code = index < lengths.length ? lengths.charCodeAt(index) : COMMA;
    if (code !== COMMA) {
      if (code < ZERO || code > NINE) return undefined;
      bytes = bytes * 10 + (code - ZERO);
      continue;
    }
    const id = text.slice(at, at + bytes / 2);
    if (previous !== undefined && !(id < previous)) return undefined;
    ids.push(id);
    previous = id;
    at += bytes / 2;
    bytes = 0;
  }
  return ids.length === states.length && at === text.length ? { ids, states } : undefined;
}

const COMMA = 0x2c;
const ZERO = 0x30;
const NINE = 0x39;

/** Printable ASCII but `"` and `\`: text JSON.stringify would only quote. */
const PLAIN_JSON_TEXT = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/** Each task's MINIMAL JSON; ids are quoted by JSON.stringify unless all of them are plain (as the server's are). */
export function minimalTaskJson(ids: readonly string[], states: readonly TesState[]): TesTaskJson[] {
  const plain = PLAIN_JSON_TEXT.test(ids.join(''));
  // A state is one of tes-model's upper-case words: nothing in it to escape.
  return ids.map((id, index) => ({ id, json: `{"id":${plain ? `"${id}"` : JSON.stringify(id)},"state":"${states[index] ?? ''}"}` }));
}
