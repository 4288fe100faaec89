import { basicFields, MAY_HOLD_SECRET, redactTaskUrls, type StoredTesTask, tesExecutorLogSchema, tesInputSchema, tesTaskLogSchema, type TesTaskInView } from '@capstan/tes-model';

/**
 * A task stored as two JSON documents: `basic`, tes-model's `basicFields` of it (what BASIC lists and gets return,
 * once their URLs are redacted), and `extra`, what BASIC leaves out (inputs' `content`, executor logs' `stdout`/`stderr`, task logs'
 * `system_logs`) by position, or null when there is none. FULL puts `extra` back into `basic`. The large parts of a
 * task are exactly those BASIC drops, so BASIC reads never touch them, and nothing is stored twice.
 */
export interface TaskDocuments {
  readonly basic: string;
  readonly extra: string | null;
}

/** What BASIC leaves out, keyed by the index of the input, task log and executor log it belongs to. */
interface Extra {
  inputs?: Record<number, { content: string }>;
  logs?: Record<number, { system_logs?: string[]; logs?: Record<number, { stdout?: string; stderr?: string }> }>;
}

export function splitTask(task: StoredTesTask): TaskDocuments {
  const extra: Extra = {};
  task.inputs.forEach((input, index) => {
    if (input.content !== undefined) (extra.inputs ??= {})[index] = { content: input.content };
  });
  task.logs.forEach((log, index) => {
    const logExtra: NonNullable<Extra['logs']>[number] = {};
    if (log.system_logs !== undefined) logExtra.system_logs = log.system_logs;
    log.logs.forEach((executorLog, executorIndex) => {
      const streams = { stdout: executorLog.stdout, stderr: executorLog.stderr };
      if (streams.stdout !== undefined || streams.stderr !== undefined) (logExtra.logs ??= {})[executorIndex] = streams;
    });
    if (logExtra.system_logs !== undefined || logExtra.logs !== undefined) (extra.logs ??= {})[index] = logExtra;
  });
  const hasExtra = extra.inputs !== undefined || extra.logs !== undefined;
  return { basic: JSON.stringify(basicFields(task)), extra: hasExtra ? JSON.stringify(extra) : null };
}

// Stored tasks are zod outputs, whose keys follow the schemas' order; FULL puts each field back in its place, so a
// task reads back exactly as it was written (key order included).
const INPUT_KEYS = Object.keys(tesInputSchema.shape);
const TASK_LOG_KEYS = Object.keys(tesTaskLogSchema.shape);
const EXECUTOR_LOG_KEYS = Object.keys(tesExecutorLogSchema.shape);

/** The whole task from its two documents. */
export function joinTask(basic: string, extra: string | null): StoredTesTask {
  const task = JSON.parse(basic) as StoredTesTask;
  if (extra === null) return task;
  const parts = JSON.parse(extra) as Extra;
  for (const [index, added] of Object.entries(parts.inputs ?? {})) {
    const input = task.inputs[Number(index)];
    if (input !== undefined) task.inputs[Number(index)] = withFields(input, added, INPUT_KEYS);
  }
  for (const [index, { logs: executorParts, ...added }] of Object.entries(parts.logs ?? {})) {
    const log = task.logs[Number(index)];
    if (log === undefined) continue;
    for (const [executorIndex, streams] of Object.entries(executorParts ?? {})) {
      const executorLog = log.logs[Number(executorIndex)];
      if (executorLog !== undefined) log.logs[Number(executorIndex)] = withFields(executorLog, streams, EXECUTOR_LOG_KEYS);
    }
    task.logs[Number(index)] = withFields(log, added, TASK_LOG_KEYS);
  }
  return task;
}

/** The FULL or BASIC view from the documents (the MINIMAL view needs none), its URLs' credentials hidden. */
export function documentView(basic: string, extra: string | null, view: 'BASIC' | 'FULL'): TesTaskInView {
  return redactTaskUrls(view === 'BASIC' ? (JSON.parse(basic) as TesTaskInView) : joinTask(basic, extra));
}

/**
 * The JSON text of {@link documentView}. A BASIC document without `@`, `?` or `#` (MAY_HOLD_SECRET) anywhere has no
 * URL that `redactTaskUrls` would change (it looks only at URLs holding one of them), and JSON.stringify of its parse is the
 * document itself: it is returned as stored, neither parsed nor serialised again.
 */
export function documentViewJson(basic: string, extra: string | null, view: 'BASIC' | 'FULL'): string {
  if (view === 'BASIC' && !MAY_HOLD_SECRET.test(basic)) return basic;
  return JSON.stringify(documentView(basic, extra, view));
}

/** `value` with the fields of `added`, keys in schema order (keys the schema does not name after them). */
function withFields<T extends object>(value: T, added: object, keys: readonly string[]): T {
  const from = (key: string): Record<string, unknown> | undefined => (Object.hasOwn(added, key) ? (added as Record<string, unknown>) : Object.hasOwn(value, key) ? (value as Record<string, unknown>) : undefined);
  const result: Record<string, unknown> = {};
  for (const key of keys) {
    const source = from(key);
    if (source !== undefined) result[key] = source[key];
  }
  for (const key of Object.keys(value)) if (!Object.hasOwn(result, key)) result[key] = (value as Record<string, unknown>)[key];
  return result as T;
}
