import { commandArgument, configCheck as check, NODE_RUNTIMES, type NodeRuntime, nodeOptionsShape } from '@capstan/job-script';
import { CapstanError, ErrorCode, parseWithSchema } from '@capstan/core-constraints';
import { sshOptionsSchema } from '@capstan/process-kit';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';

/** What runs the task inside the job on the node. */
export const SLURM_RUNTIMES = NODE_RUNTIMES;
export type SlurmRuntime = NodeRuntime;

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Slurm partition names: no commas (sbatch reads a list), no blanks, no `=`. */
const PARTITION = /^[A-Za-z0-9_.-]+$/;

/** The default folder of converted images: `~/.cache/capstan/slurm-sif`; on a cluster it must be on a filesystem every node sees. */
export function defaultSifCacheDir(): string {
  return join(homedir(), '.cache', 'capstan', 'slurm-sif');
}

const partition = z.string().refine(...check((value: string) => PARTITION.test(value), 'is not a Slurm partition name (letters, digits, ".", "_", "-")'));
const argument = commandArgument;

/**
 * Which partition a job goes to, by the first rule that matches: a task that needs GPUs -> `gpu`, FPGAs -> `fpga`,
 * a short task -> `short`, any other -> `default`. A rule left out falls through to the next; with no `default`,
 * sbatch is given no partition and Slurm uses the cluster's default partition.
 */
const partitionRulesSchema = z.strictObject({
  gpu: partition.optional(),
  fpga: partition.optional(),
  short: partition.optional(),
  default: partition.optional(),
});

/**
 * The `slurm` section of Capstan's configuration. Every field has a default, so `{}` is valid: Apptainer inside the
 * job, Slurm's default partition, polling once a second.
 */
export const slurmBackendOptionsSchema = z.strictObject({
  ...nodeOptionsShape,
  partitions: partitionRulesSchema.default({}),
  /**
   * A task whose timeout is at most this many minutes counts as short (goes to `partitions.short`) even without the
   * `short_task` hint. Unset: only the hint makes a task short.
   */
  shortTaskMaxMinutes: z.number().positive().optional(),
  /** Extra `sbatch` arguments for every job, e.g. `["--account=lab", "--qos=normal"]`; they come before Capstan's own. */
  sbatchArgs: z.array(argument).default([]),
  /** The most `sbatch` calls in flight at once: a burst of tasks must not flood the controller. */
  maxConcurrentSubmits: z.number().int().min(1).max(64).default(4),
  /** How often the states of all this backend's jobs are read, with one `squeue` call for all of them. */
  pollIntervalMs: z.number().int().min(50).max(60_000).default(1000),
  /**
   * Seconds a container is given to stop (SIGTERM, then SIGKILL) when its job is canceled or times out. Keep it below
   * the cluster's KillWait (`scontrol show config`), after which Slurm kills the job script itself.
   */
  graceSeconds: z.number().int().min(0).max(3600).default(3),
  /** Where the Slurm commands are (sbatch, squeue, scontrol, scancel). Default: found on PATH. */
  binDir: z.string().refine(...check((value: string) => value.startsWith('/'), 'is not an absolute folder path')).optional(),
  /**
   * What the cluster's own cgroups confine (cgroup.conf ConstrainRAMSpace / ConstrainCores with task/cgroup). Only
   * Apptainer jobs depend on it: Docker and Podman containers get `--memory` / `--cpus` of their own. `probe()` says
   * what the controller reports.
   */
  clusterLimits: z.strictObject({ memory: z.boolean().default(false), cpu: z.boolean().default(false) }).default({ memory: false, cpu: false }),
  /**
   * Variables of Capstan's environment the job gets: sbatch runs with only these (and SLURM_CONF), with --export=ALL.
   * Never the task's: its runtime starts the container with the task's own variables only.
   */
  passEnv: z
    .array(z.string().refine(...check((value: string) => ENV_NAME.test(value), 'is not a variable name')))
    .default(['PATH', 'HOME', 'USER', 'LOGNAME', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR', 'XDG_RUNTIME_DIR']),
  /** Whether probe() also looks for the runtime on this host (turn off where only the nodes have it). */
  probeRuntime: z.boolean().default(true),
  /**
   * Apptainer: report each attempt's usage from the cluster's job accounting (`sstat` while it runs, `sacct` after;
   * needs JobAcctGatherType and slurmdbd). Turn off on a cluster without them: every attempt's usage would be partial.
   */
  accounting: z.boolean().default(true),
  /** Run the Slurm commands on a login node over SSH (one multiplexed connection); unset: on this host. */
  ssh: sshOptionsSchema.optional(),
});

/** What a user may write (every field optional). */
export type SlurmBackendOptionsInput = z.input<typeof slurmBackendOptionsSchema>;
/** The options with every default filled in. */
export type SlurmBackendOptions = z.output<typeof slurmBackendOptionsSchema>;
export type PartitionRules = SlurmBackendOptions['partitions'];

/** Validates the `slurm` section; the error (`config.invalid`) names the field under `path`, e.g. `slurm.partitions.gpu`. */
export function parseSlurmBackendOptions(value: unknown, path = 'slurm'): SlurmBackendOptions {
  try {
    return parseWithSchema(slurmBackendOptionsSchema, value ?? {}, path);
  } catch (error) {
    if (!(error instanceof CapstanError) || error.code === ErrorCode.InvalidConfig) throw error;
    throw new CapstanError(ErrorCode.InvalidConfig, error.message, { path: error.path, cause: error.cause, details: error.details });
  }
}
