import { CapstanError, ErrorCode, type ExecutionResult, type ManagedResource, type ReattachStreams } from '@capstan/core-constraints';
import { type NodeRuntime } from '@capstan/job-script';
import { type CommandRunner } from '@capstan/process-kit';
import { readTaskFileTail } from '@capstan/task-files';
import { writeFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { whatItSaid } from './command-runner';
import { followJob } from './follow-job';
import { parseStatus, phaseOf } from './job-output';
import { type JobMonitor } from './job-monitor';
import { type JobRecord, type JobRecords } from './job-records';
import { type BatchProfile } from './profiles';
import { renderTemplate } from './template';

/** The state of a recorded job the scheduler no longer lists: it ended while no Capstan process watched it. */
export const ENDED_STATE = 'exited';

/** The most of each stream a take-over copies into the new process's files (the job's own files keep all of it). */
const MAX_COPY_BYTES = 8 * 1024 * 1024;

export interface ManagedJobsContext {
  readonly runner: CommandRunner;
  readonly records: JobRecords;
  readonly monitor: JobMonitor;
  readonly profile: BatchProfile;
  readonly profileName: string;
  readonly runtime: NodeRuntime;
  readonly env: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  readonly retries: number;
  readonly retryDelayMs: number;
}

/**
 * The jobs this backend submitted (a record says so) and not seen end, carrying every label of `selector`: those the
 * scheduler still lists, in its state's phase, and those it no longer lists as `exited` (to harvest). A listed job
 * whose name does not start with the record's (an id the scheduler gave again) is not ours.
 */
export async function listManagedJobs(context: ManagedJobsContext, selector: Readonly<Record<string, string>>): Promise<ManagedResource[]> {
  const result = await context.runner.run({ argv: renderTemplate(context.profile.list, {}, 'list'), env: context.env, timeoutMs: context.timeoutMs });
  const noneKnown = result.code !== 0 && context.profile.noJobsPattern !== undefined && new RegExp(context.profile.noJobsPattern).test(result.stderr + result.stdout);
  if (result.code !== 0 && !noneKnown) {
    throw new CapstanError(ErrorCode.BackendUnavailable, `the ${context.profileName} list command could not list this user's jobs: ${whatItSaid(result)}; check that the scheduler answers (capstan doctor), or fix batch.commands.list`, {
      details: { profile: context.profileName },
    });
  }
  const listed = noneKnown ? new Map() : parseStatus(result.stdout, context.profile);
  const resources: ManagedResource[] = [];
  for (const record of await context.records.all()) {
    if (!Object.entries(selector).every(([key, value]) => record.labels[key] === value)) continue;
    const line = listed.get(record.jobId);
    if (line !== undefined && line.name !== undefined && !record.name.startsWith(line.name.replace(/\*$/, ''))) continue;
    const state = line === undefined ? ENDED_STATE : (phaseOf(line.state, context.profile) ?? line.state);
    resources.push({ id: record.jobId, name: record.name, labels: record.labels, state });
  }
  return resources;
}

/** Cancels a listed job (one that ended makes the cancel fail: no error) and forgets it. */
export async function removeManagedJob(context: ManagedJobsContext, resource: ManagedResource): Promise<void> {
  const record = await context.records.read(resource.id);
  if (record === undefined) return;
  if (resource.state !== ENDED_STATE) await context.monitor.cancel(record.jobId);
  await context.records.remove(record.jobId);
}

/**
 * Follows a job an earlier process submitted to its end as `execute` would have: its result from the status file the
 * job script writes, else from the scheduler (a job killed behind Capstan's back is never a success). The job's own
 * output files hold all it printed from its start, so their tails replace what the streams hold.
 */
export async function reattachJob(context: ManagedJobsContext, resource: ManagedResource, streams: ReattachStreams, signal: AbortSignal): Promise<ExecutionResult> {
  const record = await context.records.read(resource.id);
  if (record === undefined) {
    throw new CapstanError(ErrorCode.BackendFailure, `${context.profileName} job ${resource.id} has no record in batch.jobRecordsDir, so it cannot be taken over; it was not submitted by Capstan with these settings`, {
      details: { jobId: resource.id },
    });
  }
  const result = await followJob({
    jobId: record.jobId,
    request: { paths: { stdoutFile: record.stdoutFile, stderrFile: record.stderrFile }, ...(record.timeoutMs === undefined ? {} : { timeoutMs: record.timeoutMs }) },
    signal,
    emit: () => undefined,
    monitor: context.monitor,
    profile: context.profile,
    profileName: context.profileName,
    runtime: context.runtime,
    statusFile: record.statusFile,
    submittedAt: new Date(record.submittedAt),
    ...(record.startedAt === undefined ? {} : { startedAt: new Date(record.startedAt) }),
    memoryBytes: record.memoryBytes,
    retries: context.retries,
    retryDelayMs: context.retryDelayMs,
  });
  await Promise.all([copyTail(record.stdoutFile, streams.stdoutFile), copyTail(record.stderrFile, streams.stderrFile)]);
  if (result.exitCode !== null) await streams.beforeRemoval?.(result);
  await context.records.remove(record.jobId);
  return result;
}

/** The record of a job just submitted. */
export function jobRecord(fields: Omit<JobRecord, 'submittedAt'> & { submittedAt: Date }): JobRecord {
  return { ...fields, submittedAt: fields.submittedAt.toISOString() };
}

async function copyTail(from: string, to: string): Promise<void> {
  // Through the confined reader: a link or FIFO put where the job's output was is refused, never followed.
  const text = await readTaskFileTail(dirname(from), basename(from), MAX_COPY_BYTES).catch(() => undefined);
  if (text !== undefined) await writeFile(to, text);
}
