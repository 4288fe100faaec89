import { type TesTaskStore } from '@capstan/tes-store';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';

export interface RetentionSettings {
  /** Finished tasks older than this (since they finished) are deleted, with their folders. */
  readonly maxAgeMs: number;
  /** How often to sweep while the server runs. */
  readonly intervalMs: number;
  /** Tasks per batch: one short store query and this many folder deletes, then the event loop gets a turn. */
  readonly batchSize: number;
}

/** Ids this server makes are ULIDs; anything else is never turned into a path. */
const SAFE_ID = /^[0-9A-Za-z]+$/;

/**
 * Deletes tasks that finished (COMPLETE, EXECUTOR_ERROR, SYSTEM_ERROR, CANCELED, PREEMPTED) longer ago than the
 * configured age, and their folders under `<dataDir>/tasks`, so the database and the disk do not grow without end.
 * The folder goes first and the row second: a crash between them leaves a row without a folder, which the next sweep
 * deletes, never a folder no row points at. The store deletes a row only while its task is in a final state, so a
 * task still running is never touched. Sweeps run at start and then every `intervalMs`, in batches.
 */
export class TaskRetention {
  private timer: NodeJS.Timeout | undefined;
  private sweeping: Promise<number> | undefined;

  constructor(
    private readonly store: TesTaskStore,
    private readonly dataDir: string,
    private readonly settings: RetentionSettings,
    private readonly onError: (error: unknown) => void = () => undefined,
    private readonly now: () => number = Date.now,
  ) {}

  /** Sweeps now, then every interval (the timer does not keep the process alive). */
  start(): void {
    const run = (): void => {
      this.sweep().catch(this.onError);
    };
    run();
    this.timer = setInterval(run, this.settings.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Deletes every task past the age, batch by batch; resolves to how many. One sweep at a time. */
  sweep(): Promise<number> {
    this.sweeping ??= this.sweepAll().finally(() => (this.sweeping = undefined));
    return this.sweeping;
  }

  private async sweepAll(): Promise<number> {
    const cutoff = new Date(this.now() - this.settings.maxAgeMs);
    let deleted = 0;
    for (;;) {
      const ids = this.store.finishedBefore(cutoff, this.settings.batchSize);
      let removed = 0;
      for (const id of ids) {
        if (SAFE_ID.test(id)) await rm(join(this.dataDir, 'tasks', id), { recursive: true, force: true });
        if (this.store.removeFinished(id)) removed += 1;
      }
      deleted += removed;
      // Nothing removed means nothing more can be: stop rather than ask for the same batch again.
      if (removed === 0) return deleted;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
}
