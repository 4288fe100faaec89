import { commandArgument, configCheck as check, nodeOptionsShape } from '@capstan/job-script';
import { CapstanError, ErrorCode, parseWithSchema } from '@capstan/core-constraints';
import { sshOptionsSchema } from '@capstan/process-kit';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { type BatchProfile, JOB_PHASES, PROFILE_NAMES, PROFILES } from './profiles';
import { PLACEHOLDERS, unknownPlaceholders } from './template';

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function compiles(pattern: string): boolean {
  try {
    new RegExp(pattern, 'm');
    return true;
  } catch {
    return false;
  }
}

const word = commandArgument;
const template = z
  .array(z.union([word, z.array(word).min(1)]))
  .min(1)
  .refine(...check((value: ReadonlyArray<string | readonly string[]>) => unknownPlaceholders(value).length === 0, `uses a placeholder that does not exist; the placeholders are ${Object.keys(PLACEHOLDERS).map((name) => `{${name}}`).join(', ')}`));
const pattern = z.string().refine(...check((value: string) => compiles(value), 'is not a regular expression (JavaScript syntax)'));

/** What may replace parts of the chosen profile (each one whole). */
const profileOverrides = z.strictObject({
  submit: template.optional(),
  jobIdPattern: pattern.optional(),
  status: template.optional(),
  statusLine: pattern.optional(),
  noJobsPattern: pattern.optional(),
  list: template.optional(),
  finished: template.optional(),
  finishedState: pattern.optional(),
  finishedExit: pattern.optional(),
  cancel: template.optional(),
  states: z.record(z.string().min(1), z.enum(JOB_PHASES)).optional(),
  signs: z.strictObject({ oom: z.array(pattern).default([]), timeout: z.array(pattern).default([]), preempted: z.array(pattern).default([]) }).optional(),
});

/**
 * The `batch` section of Capstan's configuration: a scheduler profile (`gridengine`, `slurm`, `lsf`, `pbs`,
 * `htcondor`), parts of it replaced under `commands`, and how the job runs the task on the node.
 */
export const batchBackendOptionsSchema = z.strictObject({
  /** The scheduler: its submit, status, finished and cancel commands and how their output reads (docs/batch.md). */
  profile: z.enum(PROFILE_NAMES).default('gridengine'),
  /** Replaces parts of the profile, e.g. `{ submit: [...] }` with a site's own flags. */
  commands: profileOverrides.default({}),
  /** The queue (Grid Engine, LSF, PBS) or partition (Slurm) of every job: `{queue}`. Unset: the scheduler's default. */
  queue: z.string().refine(...check((value: string) => PLACEHOLDERS.queue.test(value), 'is not a queue name (letters, digits, "_", ".", "@", "-")')).optional(),
  ...nodeOptionsShape,
  /** Variables of Capstan's environment the scheduler's commands (and so the job) get; nothing else of it. */
  passEnv: z
    .array(z.string().refine(...check((value: string) => ENV_NAME.test(value), 'is not a variable name')))
    .default(['PATH', 'HOME', 'USER', 'LOGNAME', 'LANG', 'TZ', 'SGE_ROOT', 'SGE_CELL', 'SLURM_CONF', 'LSF_ENVDIR', 'PBS_CONF_FILE', 'CONDOR_CONFIG']),
  /** How often the states of all this backend's jobs are read, with one status call for all of them. */
  pollIntervalMs: z.number().int().min(50).max(600_000).default(1000),
  /** How long any scheduler command may take before it is killed and counted as failed. */
  commandTimeoutMs: z.number().int().min(100).max(600_000).default(60_000),
  /** Failed reads in a row (status calls, or the finished call of one job) after which a job is `lost` and canceled. */
  statusRetries: z.number().int().min(1).max(1000).default(10),
  /** The most submits in flight at once: a burst of tasks must not flood the scheduler. */
  maxConcurrentSubmits: z.number().int().min(1).max(64).default(4),
  /** The largest node a job can land on: the most one task may ask for (the scheduler itself places and queues jobs). */
  largestNode: z
    .strictObject({ cpu: z.number().positive().default(64), memoryMiB: z.number().int().positive().default(262_144), gpu: z.number().int().min(0).default(0) })
    .default({ cpu: 64, memoryMiB: 262_144, gpu: 0 }),
  /**
   * Where a file per unfinished job is kept (labels, files; mode 0700) so that a later process can find and take over
   * the jobs an earlier one left (listManaged, reattach). On the host that runs Capstan, not the cluster.
   */
  jobRecordsDir: z.string().startsWith('/').optional(),
  /** Run the scheduler's commands on a login node over SSH (one multiplexed connection); unset: on this host. */
  ssh: sshOptionsSchema.optional(),
  /** Seconds the container is given to stop after SIGTERM on cancel. Keep below the scheduler's own kill delay. */
  graceSeconds: z.number().int().min(0).max(3600).default(3),
});

export type BatchBackendOptionsInput = z.input<typeof batchBackendOptionsSchema>;
export type BatchBackendOptions = z.output<typeof batchBackendOptionsSchema>;

/** Validates the `batch` section; the error (`config.invalid`) names the field under `path`, e.g. `batch.commands.submit`. */
export function parseBatchBackendOptions(value: unknown, path = 'batch'): BatchBackendOptions {
  try {
    return parseWithSchema(batchBackendOptionsSchema, value ?? {}, path);
  } catch (error) {
    if (!(error instanceof CapstanError) || error.code === ErrorCode.InvalidConfig) throw error;
    throw new CapstanError(ErrorCode.InvalidConfig, error.message, { path: error.path, cause: error.cause, details: error.details });
  }
}

/** The profile with the overrides applied. */
export function effectiveProfile(options: BatchBackendOptions): BatchProfile {
  const base = PROFILES[options.profile];
  const overrides = Object.fromEntries(Object.entries(options.commands).filter(([, value]) => value !== undefined));
  return { ...base, ...overrides } as BatchProfile;
}

/** The default folder of job records: per user, beside the image cache. */
export function defaultJobRecordsDir(): string {
  return join(homedir(), '.cache', 'capstan', 'batch-jobs');
}

/** The default folder of converted images, as the slurm backend's: on a cluster it must be on a file system every node sees. */
export function defaultSifCacheDir(): string {
  return join(homedir(), '.cache', 'capstan', 'batch-sif');
}
