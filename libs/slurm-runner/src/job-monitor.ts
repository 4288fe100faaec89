import { jobIdBatches, PollLoop } from '@capstan/job-script';
import { type JobRecord, parseSqueue, SQUEUE_FORMAT } from './job-state';
import { type SlurmCli } from './slurm-cli';

export interface JobWatcher {
  /** The job's record from this poll. */
  update(record: JobRecord): void;
  /** Slurm no longer knows the job (ended longer than MinJobAge ago, or the controller lost it). */
  gone(): void;
  /** A poll failed (the job's state is unknown this time); polling goes on. */
  pollFailed?(message: string): void;
}

/** How a job is stopped: `graceful` is scancel (SIGTERM, KillWait, SIGKILL); the others signal every process of the job at once. */
export type CancelMode = 'graceful' | 'KILL' | 'USR1';

export interface MonitorStats {
  /** Polls made: each is exactly one squeue call (one per MAX_JOB_LIST_CHARS of job ids: about 7,000 jobs). */
  readonly polls: number;
  /** The most jobs one squeue call asked about. */
  readonly mostJobsInOnePoll: number;
  /** scancel calls made, and the jobs they named. */
  readonly cancelCalls: number;
  readonly jobsCanceled: number;
}

/**
 * Reads the state of every job this backend follows with ONE `squeue --states=all --jobs=ID,ID,...` per interval,
 * however many there are (past about 7,000 jobs, one per list of MAX_JOB_LIST_CHARS: Linux caps one argument), and
 * hands each watcher its job's record. squeue, unlike sacct, needs no accounting database, and shows a job with its
 * final state and exit code until MinJobAge (300 s by default) after its end; a job it no longer shows is reported
 * gone. Polls run only while there are jobs to follow, one at a time (the next is scheduled when the last has
 * answered). Cancels asked for in the same turn of the event loop are sent as one scancel per mode (and list).
 */
export class JobMonitor {
  private readonly loop: PollLoop<JobWatcher>;
  private readonly pendingCancels = new Map<CancelMode, Set<string>>();
  private cancelFlush: Promise<void> | undefined;
  private stats = { polls: 0, mostJobsInOnePoll: 0, cancelCalls: 0, jobsCanceled: 0 };

  constructor(
    private readonly cli: SlurmCli,
    intervalMs: number,
  ) {
    this.loop = new PollLoop(intervalMs, (ids) => this.poll(ids));
  }

  /** Follows a job until the returned function is called. */
  watch(jobId: string, watcher: JobWatcher): () => void {
    return this.loop.watch(jobId, watcher);
  }

  /** Queues a cancel; every cancel of this turn goes out in one scancel per mode. Resolves once it was sent. */
  cancel(jobId: string, mode: CancelMode): Promise<void> {
    let ids = this.pendingCancels.get(mode);
    if (ids === undefined) {
      ids = new Set();
      this.pendingCancels.set(mode, ids);
    }
    ids.add(jobId);
    this.cancelFlush ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.flushCancels());
    return this.cancelFlush;
  }

  get statistics(): MonitorStats {
    return { ...this.stats };
  }

  /** Stops polling (the watchers are forgotten). */
  close(): void {
    this.loop.close();
  }

  private async flushCancels(): Promise<void> {
    const batches = [...this.pendingCancels.entries()];
    this.pendingCancels.clear();
    this.cancelFlush = undefined;
    // Signals first, then the graceful cancels: a forced stop must not wait behind KillWait.
    batches.sort(([a], [b]) => Number(a === 'graceful') - Number(b === 'graceful'));
    for (const [mode, ids] of batches) {
      // Over SSH the whole command line is one argument of the login node's shell, limited like squeue's --jobs list.
      for (const list of jobIdBatches([...ids])) {
        const args = mode === 'graceful' ? list : ['--full', `--signal=${mode}`, ...list];
        this.stats.cancelCalls += 1;
        this.stats.jobsCanceled += list.length;
        // A job that already ended answers "already completing or completed" or "Invalid job id": nothing to do.
        await this.cli.run('scancel', args);
      }
    }
  }

  private async poll(ids: readonly string[]): Promise<void> {
    this.stats.polls += 1;
    this.stats.mostJobsInOnePoll = Math.max(this.stats.mostJobsInOnePoll, ids.length);
    const result = await this.cli.run('squeue', ['--noheader', '--states=all', `--jobs=${ids.join(',')}`, `--Format=${SQUEUE_FORMAT}`]);
    // squeue fails with "Invalid job id specified" when none of the jobs is known any more.
    const noneKnown = result.code !== 0 && /invalid job id/i.test(result.stderr);
    if (result.code !== 0 && !noneKnown) {
      const message = `squeue failed (${result.spawnError?.code ?? `exit code ${result.code ?? 'none'}`}): ${result.stderr.trim().split('\n').slice(-2).join(' ')}`;
      for (const id of ids) this.loop.watcher(id)?.pollFailed?.(message);
      return;
    }
    const records = noneKnown ? new Map<string, JobRecord>() : parseSqueue(result.stdout);
    for (const id of ids) {
      const watcher = this.loop.watcher(id);
      if (watcher === undefined) continue;
      const record = records.get(id);
      if (record === undefined) watcher.gone();
      else watcher.update(record);
    }
  }
}
