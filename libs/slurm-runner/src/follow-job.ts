import { CapstanError, DEFAULT_USAGE_INTERVAL_SECONDS, type EndReason, ErrorCode, type ExecutionResult, formatBytes } from '@capstan/core-constraints';
import { meterAttempt, type UsageMeter } from '@capstan/support';
import { readFile } from 'node:fs/promises';
import { type JobAccounting, mergeFinalUsage } from './job-accounting';
import { type CancelMode, type JobMonitor } from './job-monitor';
import { type JobStatus, OutputTail, parseStatusFile, readContainerUsage, type SubmittedJob } from '@capstan/job-script';
import { decodeExitStatus, endReasonOfState, isRunning, isTerminal, type JobRecord } from './job-state';

export interface FollowJob extends SubmittedJob {
  readonly monitor: JobMonitor;
  /** Set when the backend reports usage: sstat while the job runs, sacct after its end. */
  readonly accounting?: JobAccounting;
}

/** At most one warning a minute about failing polls, per job. */
const POLL_WARNING_INTERVAL_MS = 60_000;

/**
 * Follows one submitted job to its end through the shared monitor: `started` when Slurm first reports it running
 * (the timeout counts from then), its stdout and stderr as `log` events at each poll, a cancel or timeout sent as
 * scancel, and the result from the final state, the status file the job script wrote and Slurm's exit code.
 * Resolves only once Slurm reports a final state (not COMPLETING): by then no process of the job runs.
 */
export function followJob(job: FollowJob): Promise<ExecutionResult> {
  const { jobId, request, signal, emit, monitor } = job;
  return new Promise<ExecutionResult>((resolve, reject) => {
    const tails = [new OutputTail(request.paths.stdoutFile, 'stdout', emit), new OutputTail(request.paths.stderrFile, 'stderr', emit)];
    let requested: 'canceled' | 'timeout' | undefined;
    let runningSince: Date | undefined;
    let timeoutTimer: NodeJS.Timeout | undefined;
    let finished = false;
    let lastPollWarning = 0;
    let meter: UsageMeter | undefined;
    let unmeter = (): void => undefined;

    const stop = (reason: 'canceled' | 'timeout', now: boolean): void => {
      const first = requested === undefined;
      requested ??= reason;
      // Graceful: scancel; the job script passes SIGTERM to the container and kills it after the grace period.
      // Now: every process of the job is signalled at once (Apptainer's are the job's; a Docker job's trap kills its
      // container on USR1), then scancel ends what is left.
      const modes: CancelMode[] = now ? [job.runtime === 'apptainer' ? 'KILL' : 'USR1', 'graceful'] : first ? ['graceful'] : [];
      for (const mode of modes) void monitor.cancel(jobId, mode);
    };
    const onAbort = (): void => stop('canceled', request.stopNow?.aborted === true);
    const onStopNow = (): void => stop('canceled', true);
    signal.addEventListener('abort', onAbort, { once: true });
    request.stopNow?.addEventListener('abort', onStopNow, { once: true });

    const started = (record: JobRecord | undefined): void => {
      if (runningSince !== undefined) return;
      runningSince = new Date();
      emit({ type: 'started', id: jobId });
      const accounting = job.accounting;
      if (accounting !== undefined) {
        unmeter = accounting.meter(jobId, request.usageIntervalMs ?? DEFAULT_USAGE_INTERVAL_SECONDS * 1000);
        meter = meterAttempt(() => accounting.sample(jobId), request.usageIntervalMs, emit);
      }
      if (request.timeoutMs !== undefined && record !== undefined && !isTerminal(record.state)) {
        timeoutTimer = setTimeout(() => stop('timeout', false), request.timeoutMs);
      }
    };

    const finish = async (record: JobRecord | undefined): Promise<void> => {
      if (finished) return;
      finished = true;
      unwatch();
      if (timeoutTimer !== undefined) clearTimeout(timeoutTimer);
      signal.removeEventListener('abort', onAbort);
      request.stopNow?.removeEventListener('abort', onStopNow);
      if (record?.startTime != null) started(record);
      await Promise.all(tails.map((tail) => tail.finish()));
      const usage = job.runtime === 'apptainer' ? await finalUsage(job, meter, () => unmeter()) : await containerUsage(job, runningSince);
      try {
        const status = parseStatusFile(await readFile(job.statusFile, 'utf8').catch(() => ''));
        const result = jobResult(job, record, status, requested, runningSince);
        resolve(usage === undefined ? result : { ...result, usage });
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    };

    const unwatch = monitor.watch(jobId, {
      update: (record) => {
        if (finished) return;
        if (isTerminal(record.state)) {
          void finish(record);
          return;
        }
        if (isRunning(record.state)) {
          started(record);
          for (const tail of tails) void tail.read();
        }
      },
      gone: () => void finish(undefined),
      pollFailed: (message) => {
        if (Date.now() - lastPollWarning < POLL_WARNING_INTERVAL_MS) return;
        lastPollWarning = Date.now();
        emit({ type: 'warning', message: `the state of Slurm job ${jobId} could not be read (polling goes on): ${message}` });
      },
    });
    if (signal.aborted) onAbort();
  });
}

/**
 * The readings of the job, completed by sacct's final figures; a job that never ran has none. Never fails the task:
 * without sacct (slurmdbd down, a malformed answer) the usage is marked partial and a warning says why.
 */
async function finalUsage(job: FollowJob, meter: UsageMeter | undefined, unmeter: () => void): Promise<ExecutionResult['usage']> {
  if (meter === undefined || job.accounting === undefined) return undefined;
  const sampled = await meter.stop();
  unmeter();
  const final = await job.accounting.final(job.jobId);
  if (final.problem !== undefined) job.emit({ type: 'warning', message: `the usage of Slurm job ${job.jobId} is partial: ${final.problem}` });
  return mergeFinalUsage(sampled, final);
}

/**
 * A Docker or Podman job's final usage, from the cgroup files its script copied (job-script's container-usage): the
 * container runs under its daemon, outside the job, so Slurm's accounting does not see it. A job that never ran has
 * none; one whose copy is missing or garbled has usage marked partial, and a warning says why.
 */
async function containerUsage(job: FollowJob, runningSince: Date | undefined): Promise<ExecutionResult['usage']> {
  if (runningSince === undefined) return undefined;
  const usage = await readContainerUsage(job.statusFile, (Date.now() - runningSince.getTime()) / 1000);
  if (usage.partial !== undefined) job.emit({ type: 'warning', message: `the usage of Slurm job ${job.jobId} is partial: ${usage.partial}` });
  return usage;
}

/** The attempt's result from what Slurm, the job script and Capstan itself know. */
export function jobResult(
  job: Pick<FollowJob, 'jobId' | 'request' | 'runtime' | 'submittedAt' | 'memoryBytes'>,
  record: JobRecord | undefined,
  status: JobStatus,
  requested: 'canceled' | 'timeout' | undefined,
  runningSince: Date | undefined,
): ExecutionResult {
  const { jobId, request } = job;
  if (status.runtimeMissing !== undefined) {
    throw new CapstanError(ErrorCode.BackendUnavailable, `job ${jobId} could not run the task: ${job.runtime} is not installed (${status.runtimeMissing}); install it on every node, or set slurm.runtimeBinary`);
  }
  if (status.imageError !== undefined && requested === undefined) {
    throw new CapstanError(ErrorCode.ImageUnavailable, `none of the task's images could be used in job ${jobId}:${status.imageError}`, { path: 'requirements.container', details: { jobId } });
  }
  const startedAt = record?.startTime ?? runningSince ?? job.submittedAt;
  const endedAt = new Date(Math.max(startedAt.getTime(), (record?.endTime ?? new Date()).getTime()));
  // A job canceled while it waited in the queue never ran: Slurm's 0 would read as a success.
  const ran = record?.startTime != null || runningSince !== undefined;
  const exitCode = status.exitCode ?? (ran ? decodeExitStatus(record?.exitStatus ?? null) : null);
  const base = { exitCode, startedAt, endedAt };
  const state = record?.state;
  if (requested === 'timeout') {
    return { ...base, endReason: 'timeout', message: `stopped after the task's timeout of ${formatSeconds(request.timeoutMs ?? 0)} (job ${jobId} canceled)` };
  }
  if (requested === 'canceled') return { ...base, endReason: 'canceled', message: `canceled (job ${jobId})` };
  if (status.oomKilled === true) {
    return { ...base, endReason: 'oom', message: `the container of job ${jobId} was killed for running out of memory (${job.runtime} says OOMKilled; limit ${formatBytes(job.memoryBytes)}); raise requirements.memory or hints.max_memory` };
  }
  if (record === undefined) {
    if (status.exitCode !== undefined) return { ...base, endReason: 'exited' };
    return { ...base, exitCode: null, endReason: 'lost', message: `Slurm no longer knows job ${jobId} (ended more than MinJobAge ago, or the controller lost it) and the job left no status file` };
  }
  const endReason: EndReason = endReasonOfState(record.state);
  switch (endReason) {
    case 'exited':
      return { ...base, endReason };
    case 'oom':
      return { ...base, endReason, message: `Slurm ended job ${jobId} for running out of memory (OUT_OF_MEMORY; the job had ${formatBytes(job.memoryBytes)}); raise requirements.memory or hints.max_memory` };
    case 'timeout':
      return { ...base, endReason, message: `Slurm ended job ${jobId} at its time limit (${state}${record.reason === '' || record.reason === 'None' ? '' : `, ${record.reason}`})` };
    case 'preempted':
      return { ...base, endReason, message: `Slurm preempted job ${jobId}` };
    case 'lost':
      return { ...base, endReason, message: `job ${jobId} was lost: ${state}${record.reason === '' || record.reason === 'None' ? '' : ` (${record.reason})`}` };
    case 'canceled':
      return { ...base, endReason, message: `job ${jobId} was canceled outside Capstan (scancel by a user or an administrator)` };
    default:
      return { ...base, endReason: 'error', message: `job ${jobId} ended in the Slurm state ${state ?? 'unknown'}` };
  }
}

function formatSeconds(ms: number): string {
  const seconds = ms / 1000;
  return `${Number.isInteger(seconds) ? seconds : seconds.toFixed(1)} s`;
}
