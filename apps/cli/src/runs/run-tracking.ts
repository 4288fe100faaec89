import { type EngineEvent } from '@capstan/engine';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { ownStartTime, ProcessRegistration } from './process-registry';
import { RunRecorder } from './run-recorder';

/**
 * What a `capstan run` leaves for `runs`, `logs` and `ps`: the run folder's run.json, and this process's entry in
 * the registry while it runs. Neither may fail the run: a problem is one warning, and the run goes on untracked.
 */
export class RunTracking {
  private constructor(
    private readonly recorder: RunRecorder | undefined,
    private readonly registration: ProcessRegistration | undefined,
  ) {}

  static async start(run: { readonly runId: string; readonly runFolder: string }, taskCount: number, warn: (message: string) => void): Promise<RunTracking> {
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
    return new RunTracking(recorder, registration);
  }

  observe(event: EngineEvent): void {
    this.recorder?.observe(event);
  }

  /** Records the run's end, then leaves the registry: `ps` never lists a run whose end is not on record yet. */
  async end(): Promise<void> {
    await this.recorder?.end();
    await this.registration?.remove();
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
