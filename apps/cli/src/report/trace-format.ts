import { RUN_TRACE_FILE } from '@capstan/core-constraints';

/** The run folder's trace of attempts: one row per ended attempt, tab-separated, columns as docs/run-trace.md lists them. */
export const TRACE_FILE = RUN_TRACE_FILE;

/** Stable for scripts: columns are only ever added at the end (a test pins this header). */
export const TRACE_COLUMNS = [
  'task',
  'unique_name',
  'attempt',
  'backend',
  'image',
  'digest',
  'exit_code',
  'end_reason',
  'submit',
  'start',
  'end',
  'queue_ms',
  'pull_ms',
  'wall_ms',
  'cpu_percent',
  'peak_memory_bytes',
  'read_bytes',
  'written_bytes',
  'cpu_request',
  'memory_request_bytes',
] as const;

export type TraceColumn = (typeof TRACE_COLUMNS)[number];
/** A field Capstan could not know is empty (''), never 0: 0 means it was read and was zero. */
export type TraceRow = Readonly<Record<TraceColumn, string>>;

export const TRACE_HEADER = `${TRACE_COLUMNS.join('\t')}\n`;

const ESCAPES: Readonly<Record<string, string>> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/**
 * Task names and images come from the task: a tab or newline in one would forge a column or a row. Backslash, tab,
 * newline and carriage return get C-style escapes, any other control character `\xHH`; `unescapeField` reverses it.
 */
export function escapeField(value: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is escaped
  return value.replace(/[\\\t\n\r\x00-\x1f\x7f]/g, (char) => ESCAPES[char] ?? `\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

export function unescapeField(value: string): string {
  return value.replace(/\\(x[0-9a-f]{2}|.)/g, (_, code: string) => {
    if (code.startsWith('x') && code.length === 3) return String.fromCharCode(Number.parseInt(code.slice(1), 16));
    return code === 't' ? '\t' : code === 'n' ? '\n' : code === 'r' ? '\r' : code;
  });
}

export function formatRow(row: TraceRow): string {
  return `${TRACE_COLUMNS.map((column) => escapeField(row[column])).join('\t')}\n`;
}

/**
 * The rows of a trace file's text. The header names the columns, so a trace of a later Capstan (more columns) still
 * reads; a row cut short by a killed write (no final newline) is left out.
 */
export function parseTrace(text: string): TraceRow[] {
  const lines = text.split('\n');
  const header = (lines.shift() ?? '').split('\t');
  const complete = lines.slice(0, -1).filter((line) => line !== '');
  return complete.map((line) => {
    const fields = line.split('\t');
    const row = Object.fromEntries(TRACE_COLUMNS.map((column) => [column, '']));
    header.forEach((column, index) => {
      if (Object.hasOwn(row, column)) row[column] = unescapeField(fields[index] ?? '');
    });
    return row as TraceRow;
  });
}
