import { type EngineEvent } from '@capstan/engine';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { writeReport } from '../report/report-html';
import { TraceRows, TraceWriter } from '../report/trace-recorder';
import { CancelChannel } from './cancel-channel';
import { ownStartTime, ProcessRegistration, registryFolder } from './process-registry';
import { RunRecorder } from './run-recorder';

/**
 * What a `capstan run` leaves for `runs`, `logs` and `ps`: the run folder's run.json, and this process's entry in
 * the registry while it runs; and for people and scripts, trace.tsv (a row per attempt as it ends) and report.html
 * (at the end). None may fail the run: a problem is one warning, and the run goes on untracked.
 */
export class RunTracking {
  private readonly traceRows = new TraceRows();

  private constructor(
    private readonly run: { readonly runId: string; readonly runFolder: string },
    private readonly recorder: RunRecorder | undefined,
    private readonly registration: ProcessRegistration | undefined,
    private readonly channel: CancelChannel | undefined,
    private readonly trace: TraceWriter,
    private readonly warn: (message: string) => void,
  ) {}

  /** `cancelTask` answers `capstan top`'s cancel of one task, through a channel beside the registry entry. */
  static async start(run: { readonly runId: string; readonly runFolder: string }, taskCount: number, warn: (message: string) => void, cancelTask?: (uniqueName: string) => string): Promise<RunTracking> {
    const runFolder = resolve(run.runFolder);
    const processStartedAt = await ownStartTime();
    const base = { runId: run.runId, startedAt: new Date().toISOString(), host: hostname(), pid: process.pid, processStartedAt, taskCount };
    const recorder = await RunRecorder.start(runFolder, base, warn).catch((error: unknown) => {
      warn(`could not start the run's record in ${runFolder} (capstan runs and logs --follow will not see this run): ${message(error)}`);
      return undefined;
    });
    const registration = await ProcessRegistration.register({ pid: process.pid, processStartedAt, runId: run.runId, runFolder }).catch((error: unknown) => {
      warn(`could not register this run for capstan ps: ${message(error)}`);
      return undefined;
    });
    const channel = registration === undefined || cancelTask === undefined ? undefined : await CancelChannel.open(registryFolder(), cancelTask).catch((error: unknown) => {
      warn(`could not open this run's cancel channel (capstan top can cancel only the whole run): ${message(error)}`);
      return undefined;
    });
    return new RunTracking({ runId: run.runId, runFolder }, recorder, registration, channel, new TraceWriter(runFolder, warn), warn);
  }

  observe(event: EngineEvent): void {
    this.recorder?.observe(event);
    const row = this.traceRows.observe(event);
    if (row !== undefined) this.trace.append(row);
  }

  /**
   * Records the run's end, then leaves the registry: `ps` never lists a run whose end is not on record yet. The report
   * is written last, from the files (as `capstan report` rebuilds it), and only when an attempt left a trace.
   */
  async end(): Promise<void> {
    await this.recorder?.end();
    await this.trace.flushed();
    await this.channel?.close().catch((error: unknown) => this.warn(`could not remove this run's cancel channel ${this.channel?.path ?? ''}: ${message(error)}`));
    await this.registration?.remove();
    if (!this.trace.appended) return;
    await writeReport(this.run.runFolder, this.run.runId).catch((error: unknown) => this.warn(`could not write the run's report.html in ${this.run.runFolder} (capstan report ${this.run.runId} rebuilds it): ${message(error)}`));
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
