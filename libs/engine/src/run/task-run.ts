import { type CapstanError, type EndReason } from '@capstan/core-constraints';
import { type EngineEvent, type TaskState } from '../events/engine-event';
import { type EventHub } from '../events/event-hub';
import { type OutputFile } from './collect-outputs';
import { type PublishedOutput } from './publish-outputs';
import { type AttemptRecord, type PhaseTimes, type TaskResult } from './task-result';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
export type EventBody = DistributiveOmit<EngineEvent, 'runId' | 'taskName' | 'uniqueName' | 'time'>;

type Phase = Exclude<keyof PhaseTimes, 'totalMs'>;

/** The record of one task's life while it runs: its events, phase times, attempts and warnings. */
export class TaskRun {
  readonly attempts: AttemptRecord[] = [];
  readonly warnings: string[] = [];
  outputs: readonly OutputFile[] = [];
  published: readonly PublishedOutput[] = [];
  outputsFolder: string | null = null;
  missingOutputs: readonly string[] = [];
  /** The task's end when it is not its last attempt's: a successful command whose required output is missing. */
  endReasonOverride: EndReason | undefined;
  backend: string;
  folderDeleted = false;
  private readonly started = performance.now();
  private readonly phases: Record<Phase, number> = { resolveMs: 0, queueMs: 0, stageMs: 0, runMs: 0, collectMs: 0, cleanupMs: 0 };
  private finished: TaskResult | undefined;

  constructor(
    private readonly hub: EventHub<EngineEvent>,
    readonly runId: string,
    readonly taskName: string,
    readonly uniqueName: string,
    readonly folder: string,
    backend: string,
    private readonly listener?: (event: EngineEvent) => void,
  ) {
    this.backend = backend;
  }

  emit(body: EventBody): void {
    const event = { runId: this.runId, taskName: this.taskName, uniqueName: this.uniqueName, time: new Date().toISOString(), ...body } as EngineEvent;
    this.hub.publish(event);
    this.listener?.(event);
  }

  warn(message: string): void {
    this.warnings.push(message);
    this.emit({ type: 'warning', message });
  }

  /** Runs `work`, adding its duration to `phase`, whether it succeeds or throws. */
  async timed<T>(phase: Phase, work: () => Promise<T>): Promise<T> {
    const start = performance.now();
    try {
      return await work();
    } finally {
      this.phases[phase] += performance.now() - start;
    }
  }

  get lastEnd(): { exitCode: number | null; endReason: EndReason | null } {
    const last = this.attempts[this.attempts.length - 1];
    return { exitCode: last?.exitCode ?? null, endReason: this.endReasonOverride ?? last?.endReason ?? null };
  }

  finish(state: TaskState, error?: CapstanError): TaskResult {
    if (this.finished) return this.finished;
    const { exitCode, endReason } = this.lastEnd;
    this.finished = {
      runId: this.runId,
      taskName: this.taskName,
      uniqueName: this.uniqueName,
      backend: this.backend,
      state,
      exitCode,
      endReason,
      attempts: this.attempts,
      outputs: this.outputs,
      published: this.published,
      outputsFolder: this.outputsFolder,
      missingOutputs: this.missingOutputs,
      folder: this.folder,
      folderDeleted: this.folderDeleted,
      phases: { ...this.phases, totalMs: performance.now() - this.started },
      warnings: this.warnings,
      ...(error ? { error: error.toJSON() } : {}),
    };
    this.emit({ type: 'finished', state, exitCode, endReason });
    return this.finished;
  }
}
