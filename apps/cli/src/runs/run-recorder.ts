import { RUN_RECORD_FILE } from '@capstan/core-constraints';
import { type EngineEvent } from '@capstan/engine';
import { replaceFileAtomically } from '@capstan/task-files';
import { type RunRecord, type TaskRecord } from './run-record';

/**
 * Keeps a run's `run.json` up to date from the engine's events: on every task state change and at the end, each time
 * whole (temporary file and rename). The engine makes the run folder when the first attempt starts (a run refused
 * before any task ran leaves none), so writes before then find no folder and are skipped, silently. Writes are serialised and coalesced: however many events
 * arrive while one write is under way, one more write follows it, so a run of 500 tasks does not write 500 times
 * per state change. A failed write is reported once and never fails the run.
 */
export class RunRecorder {
  private readonly tasks = new Map<string, TaskRecord>();
  private writing: Promise<void> = Promise.resolve();
  private queued = false;
  private warned = false;

  private constructor(
    private readonly folder: string,
    private record: RunRecord,
    private readonly warn: (message: string) => void,
  ) {}

  static async start(folder: string, base: Pick<RunRecord, 'runId' | 'startedAt' | 'host' | 'pid' | 'processStartedAt' | 'taskCount'>, warn: (message: string) => void): Promise<RunRecorder> {
    const recorder = new RunRecorder(folder, { version: 1, ...base, endedAt: null, tasks: [] }, warn);
    recorder.schedule();
    await recorder.writing;
    return recorder;
  }

  observe(event: EngineEvent): void {
    const known = this.tasks.get(event.uniqueName);
    const task: TaskRecord = known ?? {
      name: event.taskName,
      uniqueName: event.uniqueName,
      backend: null,
      state: 'queued',
      attempt: 0,
      submittedAt: event.time,
      attemptStartedAt: null,
      endedAt: null,
      exitCode: null,
      endReason: null,
    };
    const next = applyEvent(task, event);
    if (known !== undefined && next === known) return;
    this.tasks.set(event.uniqueName, next);
    this.schedule();
  }

  /** Marks the run ended and waits for the last write. */
  async end(endedAt = new Date()): Promise<void> {
    this.record = { ...this.record, endedAt: endedAt.toISOString() };
    this.schedule();
    await this.writing;
  }

  private schedule(): void {
    if (this.queued) return;
    this.queued = true;
    this.writing = this.writing.then(async () => {
      this.queued = false;
      const text = `${JSON.stringify({ ...this.record, tasks: [...this.tasks.values()] })}\n`;
      try {
        await replaceFileAtomically(this.folder, RUN_RECORD_FILE, text);
      } catch (error) {
        if ((error as { code?: unknown }).code === 'ENOENT' || this.warned) return;
        this.warned = true;
        this.warn(`could not write ${RUN_RECORD_FILE} in ${this.folder} (capstan runs, logs and ps will not see this run's progress): ${error instanceof Error ? error.message : String(error)}`);
      }
    });
  }
}

/** The task's record after `event`; the same object when the event changes nothing `runs`, `logs` or `ps` show. */
export function applyEvent(task: TaskRecord, event: EngineEvent): TaskRecord {
  switch (event.type) {
    case 'resolved':
      return { ...task, backend: event.backend };
    case 'attempt-started': {
      // A retry's readings start afresh: the last attempt's would pass for this one's.
      const { usage: _previous, ...rest } = task;
      return { ...rest, state: 'running', attempt: event.attempt, attemptStartedAt: event.time };
    }
    case 'backend': {
      if (event.event.type !== 'usage') return task;
      const { cpuPercent, memoryBytes } = event.event;
      return { ...task, usage: { time: event.time, ...(cpuPercent === undefined ? {} : { cpuPercent }), ...(memoryBytes === undefined ? {} : { memoryBytes }) } };
    }
    case 'attempt-ended':
      return { ...task, exitCode: event.exitCode, endReason: event.endReason };
    case 'finished':
      return { ...task, state: event.state, exitCode: event.exitCode, endReason: event.endReason, endedAt: event.time };
    default:
      return task;
  }
}
