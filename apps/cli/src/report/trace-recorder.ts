import { type EngineEvent } from '@capstan/engine';
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { formatRow, TRACE_FILE, TRACE_HEADER, type TraceRow } from './trace-format';

interface TaskTrace {
  backend: string;
  image: string;
  /** When the next attempt was asked for: the task's first event, then each attempt's end. */
  submit: string;
  attemptStarted: string | undefined;
  commandStarted: string | undefined;
  pullMs: number | undefined;
}

/**
 * Turns engine events into trace rows, one per ended attempt. Times are the events' own (ISO 8601 UTC): queue wait is
 * from the request for the attempt to its start in the engine (admission and staging), the command's start is the
 * backend's `started` (else the attempt's start), pull time is what the backend reported pulling took.
 */
export class TraceRows {
  private readonly tasks = new Map<string, TaskTrace>();

  /** The row an `attempt-ended` event completes, else undefined. */
  observe(event: EngineEvent): TraceRow | undefined {
    let task = this.tasks.get(event.uniqueName);
    if (task === undefined) {
      task = { backend: '', image: '', submit: event.time, attemptStarted: undefined, commandStarted: undefined, pullMs: undefined };
      this.tasks.set(event.uniqueName, task);
    }
    switch (event.type) {
      case 'resolved':
        task.backend = event.backend;
        task.image = event.constraints.containers[0]?.reference ?? '';
        return undefined;
      case 'attempt-started':
        task.attemptStarted = event.time;
        return undefined;
      case 'backend':
        if (event.event.type === 'started') task.commandStarted = event.time;
        if (event.event.type === 'pulled') {
          task.image = event.event.image;
          task.pullMs = (task.pullMs ?? 0) + event.event.ms;
        }
        return undefined;
      case 'attempt-ended': {
        const row = rowOf(event, task);
        Object.assign(task, { submit: event.time, attemptStarted: undefined, commandStarted: undefined, pullMs: undefined });
        return row;
      }
      default:
        return undefined;
    }
  }
}

function rowOf(event: Extract<EngineEvent, { type: 'attempt-ended' }>, task: TaskTrace): TraceRow {
  const start = task.commandStarted ?? task.attemptStarted ?? event.time;
  const usage = event.usage;
  return {
    task: event.taskName,
    unique_name: event.uniqueName,
    attempt: String(event.attempt),
    backend: task.backend,
    image: task.image,
    digest: /@([A-Za-z][A-Za-z0-9]*:[0-9a-fA-F]{32,})$/.exec(task.image)?.[1] ?? '',
    exit_code: event.exitCode === null ? '' : String(event.exitCode),
    end_reason: event.endReason,
    submit: task.submit,
    start,
    end: event.time,
    queue_ms: task.attemptStarted === undefined ? '' : String(msBetween(task.submit, task.attemptStarted)),
    pull_ms: task.pullMs === undefined ? '' : String(Math.round(task.pullMs)),
    wall_ms: String(msBetween(start, event.time)),
    cpu_percent: usage?.cpuPercentMean === undefined ? '' : usage.cpuPercentMean.toFixed(1),
    peak_memory_bytes: whole(usage?.peakMemoryBytes),
    read_bytes: whole(usage?.readBytes),
    written_bytes: whole(usage?.writtenBytes),
    cpu_request: String(event.cpu),
    memory_request_bytes: String(event.memory),
  };
}

function msBetween(from: string, to: string): number {
  return Math.max(0, Date.parse(to) - Date.parse(from));
}

function whole(value: number | undefined): string {
  return value === undefined ? '' : String(Math.round(value));
}

/**
 * Appends each row to the run folder's trace.tsv as its attempt ends, and syncs it: a run killed with -9 keeps the
 * rows of the attempts that ended. The header goes in with the first row (the engine makes the run folder at the first
 * attempt). A failed write is reported once and never fails the run.
 */
export class TraceWriter {
  private writing: Promise<void> = Promise.resolve();
  private warned = false;
  /** Whether a row was given (then the run has a folder and a report to write). */
  appended = false;

  constructor(
    private readonly folder: string,
    private readonly warn: (message: string) => void,
  ) {}

  append(row: TraceRow): void {
    this.appended = true;
    this.writing = this.writing.then(async () => {
      try {
        const handle = await open(join(this.folder, TRACE_FILE), constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, 0o644);
        try {
          const { size } = await handle.stat();
          await handle.write(`${size === 0 ? TRACE_HEADER : ''}${formatRow(row)}`);
          await handle.datasync();
        } finally {
          await handle.close();
        }
      } catch (error) {
        if (this.warned) return;
        this.warned = true;
        this.warn(`could not write ${TRACE_FILE} in ${this.folder}: ${error instanceof Error ? error.message : String(error)}`);
      }
    });
  }

  /** Waits for the rows appended so far. */
  async flushed(): Promise<void> {
    await this.writing;
  }
}
