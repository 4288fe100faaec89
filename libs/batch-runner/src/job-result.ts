import { CapstanError, ErrorCode, type ExecutionResult, formatBytes } from '@capstan/core-constraints';
import { type JobStatus } from '@capstan/job-script';
import { signIn } from './job-output';
import { type FollowJob } from './follow-job';
import { type JobPhase } from './profiles';

/** How the job's end became known: its status line, the finished command, leaving the listing, or not at all. */
export interface Ending {
  readonly kind: 'status' | 'finished' | 'left' | 'lost';
  /** What the scheduler said (the state, finished's output), searched for signs; for `lost`, why. */
  readonly text: string;
  readonly state?: string;
  readonly phase?: JobPhase;
  readonly exit?: number;
}

export interface EndFacts extends Ending {
  readonly status: JobStatus;
  readonly requested: 'canceled' | 'timeout' | undefined;
  readonly runningSince: Date | undefined;
}

/**
 * The attempt's result from what the job script wrote (its status file: the task's own exit code), what Capstan asked
 * for (cancel, timeout) and what the scheduler says. A success needs the status file: a job that ended without one
 * is never `exited` with 0, whatever the scheduler says.
 */
export function jobResult(job: Pick<FollowJob, 'jobId' | 'request' | 'runtime' | 'submittedAt' | 'memoryBytes' | 'profile' | 'profileName'>, facts: EndFacts): ExecutionResult {
  const { jobId, profileName } = job;
  const { status } = facts;
  const name = `${profileName} job ${jobId}`;
  if (status.runtimeMissing !== undefined) {
    throw new CapstanError(ErrorCode.BackendUnavailable, `${name} could not run the task: ${job.runtime} is not installed (${status.runtimeMissing}); install it on every node, or set batch.runtimeBinary`);
  }
  if (status.imageError !== undefined && facts.requested === undefined) {
    throw new CapstanError(ErrorCode.ImageUnavailable, `none of the task's images could be used in ${name}:${status.imageError}`, { path: 'requirements.container', details: { jobId } });
  }
  const startedAt = facts.runningSince ?? job.submittedAt;
  const endedAt = new Date(Math.max(startedAt.getTime(), Date.now()));
  const ran = facts.runningSince !== undefined || status.exitCode !== undefined;
  const exitCode = status.exitCode ?? (ran ? (facts.exit ?? null) : null);
  const base = { exitCode, startedAt, endedAt };
  if (facts.requested === 'timeout') return { ...base, endReason: 'timeout', message: `stopped after the task's timeout of ${(job.request.timeoutMs ?? 0) / 1000} s (${name} canceled)` };
  if (facts.requested === 'canceled') return { ...base, endReason: 'canceled', message: `canceled (${name})` };
  if (status.oomKilled === true) {
    return { ...base, endReason: 'oom', message: `the container of ${name} was killed for running out of memory (${job.runtime} says OOMKilled; limit ${formatBytes(job.memoryBytes)}); raise requirements.memory` };
  }
  if (facts.kind === 'lost') return { ...base, exitCode: null, endReason: 'lost', message: facts.text };
  const sign = signIn(facts.text, job.profile);
  if (sign === 'oom') return { ...base, endReason: 'oom', message: `the scheduler ended ${name} for its memory (${oneLine(facts.text)}); raise requirements.memory` };
  if (sign === 'timeout') return { ...base, endReason: 'timeout', message: `the scheduler ended ${name} at its time limit (${oneLine(facts.text)})` };
  if (sign === 'preempted' || facts.phase === 'preempted') return { ...base, endReason: 'preempted', message: `the scheduler preempted ${name}` };
  if (status.exitCode !== undefined) return { ...base, endReason: 'exited' };
  if (facts.phase === 'lost') return { ...base, exitCode: null, endReason: 'lost', message: `${name} was lost: the scheduler says ${facts.state ?? 'nothing'}` };
  if (facts.phase === 'failed' || (facts.exit !== undefined && facts.exit !== 0)) {
    return { ...base, endReason: 'error', message: `${name} ended in the state ${facts.state ?? 'unknown'}${facts.exit === undefined ? '' : ` with exit code ${facts.exit}`} before the task's container ended` };
  }
  return { ...base, exitCode: null, endReason: 'lost', message: `${name} ended (${facts.state ?? 'no state'}) but its job script left no status file: the task's result is unknown` };
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim().slice(0, 300);
}
