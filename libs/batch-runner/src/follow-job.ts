import { type AttemptPaths, type ExecutionResult } from '@capstan/core-constraints';
import { OutputTail, parseStatusFile, readContainerUsage, type SubmittedJob } from '@capstan/job-script';
import { abortableWait } from '@capstan/support';
import { readFile } from 'node:fs/promises';
import { whatItSaid } from './command-runner';
import { parseFinished, phaseOf } from './job-output';
import { type JobMonitor } from './job-monitor';
import { type Ending, jobResult } from './job-result';
import { type BatchProfile } from './profiles';

export interface FollowJob extends Omit<SubmittedJob, 'request'> {
  /** What of the attempt's request following the job needs: a taken-over job has its record, not the request. */
  readonly request: { readonly paths: Pick<AttemptPaths, 'stdoutFile' | 'stderrFile'>; readonly timeoutMs?: number };
  readonly monitor: JobMonitor;
  readonly profile: BatchProfile;
  readonly profileName: string;
  /** Reads of a job's end (the finished command) before it is lost, and the wait between two. */
  readonly retries: number;
  readonly retryDelayMs: number;
  /** When an earlier process saw the job start (a take-over): no new `started`, and the timeout counts from then. */
  readonly startedAt?: Date;
}

/** At most one warning a minute about unreadable states, per job. */
const WARNING_INTERVAL_MS = 60_000;

/**
 * Follows one submitted job to its end through the shared monitor: `started` when the scheduler first shows it
 * running (the timeout counts from then), its output as `log` events, a cancel or timeout sent as the profile's cancel
 * command, and the result from the final state, the status file the job script wrote and what the scheduler says.
 * A job whose state cannot be read is retried, then `lost` (and canceled, so that nothing of it runs on): never done.
 */
export function followJob(job: FollowJob): Promise<ExecutionResult> {
  const { jobId, request, signal, emit, monitor } = job;
  return new Promise<ExecutionResult>((resolve, reject) => {
    const tails = [new OutputTail(request.paths.stdoutFile, 'stdout', emit), new OutputTail(request.paths.stderrFile, 'stderr', emit)];
    let requested: 'canceled' | 'timeout' | undefined;
    let runningSince: Date | undefined;
    let timeoutTimer: NodeJS.Timeout | undefined;
    let finishing = false;
    let lastWarning = 0;
    const unknownStates = new Set<string>();
    const stopLooking = new AbortController();

    const stop = (reason: 'canceled' | 'timeout'): void => {
      if (requested !== undefined) return;
      requested = reason;
      void monitor.cancel(jobId).then((result) => {
        if (result !== undefined && result.code !== 0) emit({ type: 'warning', message: `the cancel of ${job.profileName} job ${jobId} failed (${whatItSaid(result)}); it is polled until it ends` });
      });
    };
    const onAbort = (): void => stop('canceled');
    signal.addEventListener('abort', onAbort, { once: true });

    const warn = (message: string): void => {
      if (Date.now() - lastWarning < WARNING_INTERVAL_MS) return;
      lastWarning = Date.now();
      emit({ type: 'warning', message });
    };

    const finish = (ending: Ending): void => {
      unwatch();
      stopLooking.abort();
      if (timeoutTimer !== undefined) clearTimeout(timeoutTimer);
      signal.removeEventListener('abort', onAbort);
      void (async () => {
        await Promise.all(tails.map((tail) => tail.finish()));
        const status = parseStatusFile(await readFile(job.statusFile, 'utf8').catch(() => ''));
        // A job that ran between two polls was never seen running, but its script wrote the command's exit: it
        // started, and the contract wants that said once, before its end.
        if (runningSince === undefined && status.exitCode !== undefined) emit({ type: 'started', id: jobId });
        const result = jobResult(job, { ...ending, status, requested, runningSince });
        const usage = await containerUsage(job, runningSince, status.exitCode !== undefined);
        return usage === undefined ? result : { ...result, usage };
      })().then(resolve, (error: unknown) => reject(error instanceof Error ? error : new Error(String(error))));
    };

    const started = (): void => {
      if (runningSince !== undefined) return;
      runningSince = new Date();
      emit({ type: 'started', id: jobId });
      if (request.timeoutMs !== undefined) timeoutTimer = setTimeout(() => stop('timeout'), request.timeoutMs);
    };

    /** The job left the listing: its status file, else what the finished command says, read until it answers. */
    const ended = async (): Promise<void> => {
      const status = parseStatusFile(await readFile(job.statusFile, 'utf8').catch(() => ''));
      if (status.exitCode !== undefined || status.imageError !== undefined || status.runtimeMissing !== undefined || requested !== undefined) {
        finish({ kind: 'left', text: '' });
        return;
      }
      let last = 'the profile has no finished command';
      for (let attempt = 1; attempt <= job.retries; attempt += 1) {
        const result = await monitor.finished(jobId);
        if (result === undefined) break;
        const record = result.code === 0 ? parseFinished(result.stdout, job.profile) : {};
        if (record.state !== undefined || record.exit !== undefined) {
          const phase = record.state === undefined ? undefined : phaseOf(record.state, job.profile);
          finish({ kind: 'finished', text: result.stdout, ...(record.state === undefined ? {} : { state: record.state }), ...(phase === undefined ? {} : { phase }), ...(record.exit === undefined ? {} : { exit: record.exit }) });
          return;
        }
        last = result.code === 0 ? `its output holds no state or exit code: ${result.stdout.trim().split('\n').slice(0, 3).join(' ').slice(0, 300)}` : whatItSaid(result);
        if (!(await abortableWait(job.retryDelayMs, stopLooking.signal).then(() => true, () => false))) return;
      }
      finish({ kind: 'lost', text: `${job.profileName} job ${jobId} left the scheduler's listing without a status file, and why it ended could not be read (${last})` });
    };

    const unwatch = monitor.watch(jobId, {
      update: (line) => {
        if (finishing) return;
        const phase = phaseOf(line.state, job.profile);
        if (phase === undefined) {
          if (!unknownStates.has(line.state)) emit({ type: 'warning', message: `${job.profileName} job ${jobId} is in the state "${line.state}", which the profile's state table does not name; it is polled on (add it to batch.commands.states)` });
          unknownStates.add(line.state);
          return;
        }
        if (phase === 'queued') return;
        if (phase === 'running') {
          started();
          for (const tail of tails) void tail.read();
          return;
        }
        finishing = true;
        finish({ kind: 'status', text: line.state, state: line.state, phase, ...(line.exit === undefined ? {} : { exit: line.exit }) });
      },
      left: () => {
        if (finishing) return;
        finishing = true;
        // Gone from the listing for good: no more status reads while its end is looked up.
        unwatch();
        ended().catch((error: unknown) => finish({ kind: 'lost', text: `reading the end of ${job.profileName} job ${jobId} failed: ${(error as Error).message}` }));
      },
      unreadable: (failures, message) => {
        if (finishing) return;
        if (failures < job.retries) {
          warn(`the state of ${job.profileName} job ${jobId} could not be read (${failures} of ${job.retries} tries): ${message}`);
          return;
        }
        finishing = true;
        unwatch();
        // Nothing more can be known of it: canceled (before the result is given), so that it does not run on unwatched.
        const lost = (): void => finish({ kind: 'lost', text: `the state of ${job.profileName} job ${jobId} could not be read ${failures} times in a row (${message}); it was canceled` });
        monitor.cancel(jobId).then(lost, lost);
      },
    });
    if (job.startedAt !== undefined) {
      runningSince = job.startedAt;
      if (request.timeoutMs !== undefined) timeoutTimer = setTimeout(() => stop('timeout'), Math.max(0, job.startedAt.getTime() + request.timeoutMs - Date.now()));
    }
    if (signal.aborted) onAbort();
  });
}

/**
 * A Docker or Podman job's final usage, from the cgroup files its script copied (job-script's container-usage): the
 * container runs under its daemon, which the scheduler's accounting does not see. An Apptainer job, and a job that
 * never ran, have none; a copy that is missing or garbled gives usage marked partial, and a warning says why.
 */
async function containerUsage(job: FollowJob, runningSince: Date | undefined, exited: boolean): Promise<ExecutionResult['usage']> {
  if (job.runtime === 'apptainer' || (runningSince === undefined && !exited)) return undefined;
  // A job that ran between two polls was never seen running: its figures come without a wall time (and so no mean CPU %).
  const usage = await readContainerUsage(job.statusFile, runningSince === undefined ? undefined : (Date.now() - runningSince.getTime()) / 1000);
  if (usage.partial !== undefined) job.emit({ type: 'warning', message: `the usage of ${job.profileName} job ${job.jobId} is partial: ${usage.partial}` });
  return usage;
}
