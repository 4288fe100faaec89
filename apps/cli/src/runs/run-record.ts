import { z } from 'zod';

/** A run.json larger than this was not written by Capstan (a 500-task run's is about 150 KB). */
export const RUN_RECORD_MAX_BYTES = 32 * 1024 * 1024;

export const ENDED_STATES = ['succeeded', 'failed', 'canceled', 'error'] as const;
const TASK_STATES = ['queued', 'running', ...ENDED_STATES] as const;
export type RecordedTaskState = (typeof TASK_STATES)[number];

// Loose objects: a later Capstan (or another part of it, e.g. resource usage) may add fields; an older reader keeps them.
// Built at the first read, not at import: `capstan run` writes records and never reads one.
const taskRecordSchema = (time: z.ZodISODateTime, text: z.ZodString) => z.looseObject({
  name: text,
  uniqueName: text,
  backend: text.nullable(),
  state: z.enum(TASK_STATES),
  /** The attempt running or last run; 0 before the first starts. */
  attempt: z.number().int().min(0).max(10_000),
  submittedAt: time,
  attemptStartedAt: time.nullable(),
  endedAt: time.nullable(),
  exitCode: z.number().int().nullable(),
  endReason: text.nullable(),
  /**
   * The running attempt's last usage reading (for `capstan top`); absent before the first, or from an older Capstan. A
   * reading of another shape (a later Capstan's) is dropped, not a reason to call the whole run unknown.
   */
  usage: z.looseObject({ time, cpuPercent: z.number().min(0).optional(), memoryBytes: z.number().min(0).optional() }).optional().catch(undefined),
});

const buildRunRecordSchema = (time = z.iso.datetime(), text = z.string().max(1024)) => z.looseObject({
  version: z.literal(1),
  runId: z.string().regex(/^[0-9a-z]{12}$/),
  startedAt: time,
  /** Set once the run ended on its own or by Ctrl-C; a run killed with -9 never sets it. */
  endedAt: time.nullable(),
  host: text,
  pid: z.number().int().positive(),
  /** The process's start time as /proc gives it: a pid reused by another process does not pass for this run. */
  processStartedAt: time.nullable(),
  /** Tasks the run was given; those without an entry in `tasks` have not been resolved yet. */
  taskCount: z.number().int().min(0),
  tasks: z.array(taskRecordSchema(time, text)).max(1_000_000),
});

let built: ReturnType<typeof buildRunRecordSchema> | undefined;

export function runRecordSchema(): ReturnType<typeof buildRunRecordSchema> {
  return (built ??= buildRunRecordSchema());
}

export type TaskRecord = z.infer<ReturnType<typeof taskRecordSchema>>;
export type RunRecord = z.infer<ReturnType<typeof buildRunRecordSchema>>;

export function isEnded(state: RecordedTaskState): boolean {
  return (ENDED_STATES as readonly string[]).includes(state);
}
