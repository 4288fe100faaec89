import { PollLoop } from '@capstan/job-script';
import { type CommandResult, type CommandRunner } from '@capstan/process-kit';
import { whatItSaid } from './command-runner';
import { type JobLine, parseStatus } from './job-output';
import { type BatchProfile } from './profiles';
import { renderTemplate } from './template';

export interface JobWatcher {
  /** The job's line in this poll's status output. */
  update(line: JobLine): void;
  /** The status output no longer shows the job: it ended (or the scheduler forgot it). */
  left(): void;
  /** The state could not be read this many times in a row; `message` says why the last time. */
  unreadable(failures: number, message: string): void;
}

export interface MonitorSettings {
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly env: Readonly<Record<string, string>>;
}

export interface MonitorStats {
  /** Polls made: each is exactly one status call. */
  readonly polls: number;
  /** The most jobs one status call asked about. */
  readonly mostJobsInOnePoll: number;
  readonly cancelCalls: number;
}

/**
 * Reads the state of every job this backend follows with ONE status call per interval, however many there are, and
 * hands each watcher its job's line. Polls run only while there are jobs to follow, one at a time. Cancels asked
 * for in the same turn of the event loop go out as one cancel call.
 */
export class JobMonitor {
  private readonly loop: PollLoop<JobWatcher>;
  private failures = 0;
  private readonly pendingCancels = new Set<string>();
  private cancelFlush: Promise<CommandResult | undefined> | undefined;
  private stats = { polls: 0, mostJobsInOnePoll: 0, cancelCalls: 0 };

  constructor(
    private readonly runner: CommandRunner,
    private readonly profile: BatchProfile,
    private readonly settings: MonitorSettings,
  ) {
    this.loop = new PollLoop(settings.intervalMs, (ids) => this.poll(ids));
  }

  watch(jobId: string, watcher: JobWatcher): () => void {
    return this.loop.watch(jobId, watcher);
  }

  /** Queues a cancel; every cancel of this turn goes out in one call. Resolves with its result. */
  cancel(jobId: string): Promise<CommandResult | undefined> {
    this.pendingCancels.add(jobId);
    this.cancelFlush ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.flushCancels());
    return this.cancelFlush;
  }

  /** Runs the profile's finished command for one job (undefined when the profile has none). */
  async finished(jobId: string): Promise<CommandResult | undefined> {
    if (this.profile.finished === undefined) return undefined;
    return this.runner.run({ argv: renderTemplate(this.profile.finished, { job_id: jobId }, 'finished'), env: this.settings.env, timeoutMs: this.settings.timeoutMs });
  }

  get statistics(): MonitorStats {
    return { ...this.stats };
  }

  close(): void {
    this.loop.close();
  }

  private async flushCancels(): Promise<CommandResult | undefined> {
    const ids = [...this.pendingCancels];
    this.pendingCancels.clear();
    this.cancelFlush = undefined;
    if (ids.length === 0) return undefined;
    this.stats.cancelCalls += 1;
    // A job that already ended makes the cancel fail ("does not exist"): nothing to do about that.
    return this.runner.run({ argv: renderTemplate(this.profile.cancel, { job_ids: ids, job_ids_csv: ids.join(',') }, 'cancel'), env: this.settings.env, timeoutMs: this.settings.timeoutMs });
  }

  private async poll(ids: readonly string[]): Promise<void> {
    this.stats.polls += 1;
    this.stats.mostJobsInOnePoll = Math.max(this.stats.mostJobsInOnePoll, ids.length);
    const result = await this.runner.run({
      argv: renderTemplate(this.profile.status, { job_ids: ids, job_ids_csv: ids.join(',') }, 'status'),
      env: this.settings.env,
      timeoutMs: this.settings.timeoutMs,
    });
    const noneKnown = result.code !== 0 && this.profile.noJobsPattern !== undefined && new RegExp(this.profile.noJobsPattern).test(result.stderr + result.stdout);
    if (result.code !== 0 && !noneKnown) {
      this.failures += 1;
      const message = `the status command failed: ${whatItSaid(result)}`;
      for (const id of ids) this.loop.watcher(id)?.unreadable(this.failures, message);
      return;
    }
    this.failures = 0;
    const lines = noneKnown ? new Map<string, JobLine>() : parseStatus(result.stdout, this.profile);
    for (const id of ids) {
      const watcher = this.loop.watcher(id);
      const line = lines.get(id);
      if (watcher === undefined) continue;
      if (line === undefined) watcher.left();
      else watcher.update(line);
    }
  }
}
