import { type ExecutionRequest } from '@capstan/core-constraints';
import { slurmFileName } from './shell-quote';

const MIB = 1024 * 1024;

export interface SbatchPlan {
  readonly request: ExecutionRequest;
  readonly scriptPath: string;
  /** Undefined: no --partition, the cluster's default. */
  readonly partition: string | undefined;
  /** Bytes the job asks for (--mem): the task's memory limit, else its request. */
  readonly memoryBytes: number;
  /** The job's comment: Capstan's labels (see comment-labels.ts). */
  readonly comment: string;
  /** From configuration; placed first, so Capstan's own flags below win where they overlap. */
  readonly extraArgs: readonly string[];
}

/**
 * The `sbatch` command line of one attempt: one node, one task, the task's CPUs (rounded up: Slurm allocates whole
 * CPUs), memory in MiB (rounded up), GPUs and FPGAs as generic resources, a time limit one minute above the task's
 * timeout (Capstan stops the job itself at the timeout; the limit is the backstop if Capstan is gone), the attempt's
 * stdout/stderr files, appended to, the environment sbatch was given, and no requeue: a failed node or a preemption ends the attempt and Capstan decides
 * about another (retries, `preemptible`), so a task never runs twice behind Capstan's back.
 */
export function buildSbatchArgs(plan: SbatchPlan): string[] {
  const { request } = plan;
  const { constraints } = request;
  const gres = [...(constraints.gpu > 0 ? [`gpu:${constraints.gpu}`] : []), ...(constraints.fpga > 0 ? [`fpga:${constraints.fpga}`] : [])];
  return [
    '--parsable',
    ...plan.extraArgs,
    `--job-name=${request.attemptName}`,
    `--comment=${plan.comment}`,
    ...(plan.partition === undefined ? [] : [`--partition=${plan.partition}`]),
    '--nodes=1',
    '--ntasks=1',
    `--cpus-per-task=${Math.max(1, Math.ceil(constraints.cpu))}`,
    `--mem=${Math.max(1, Math.ceil(plan.memoryBytes / MIB))}M`,
    ...(gres.length === 0 ? [] : [`--gres=${gres.join(',')}`]),
    ...(request.timeoutMs === undefined ? [] : [`--time=${timeLimitMinutes(request.timeoutMs)}`]),
    `--output=${slurmFileName(request.paths.stdoutFile)}`,
    `--error=${slurmFileName(request.paths.stderrFile)}`,
    '--open-mode=append',
    `--chdir=${request.paths.workDir}`,
    // The job gets sbatch's own environment, which the backend gives only the variables meant for the job. A list of
    // names (--export=PATH,...) would be the same on paper, but makes slurmd build the user's login environment for
    // every job (40 trivial jobs: 3.2 s with ALL, 9.2 s with a list, on the test cluster).
    '--export=ALL',
    '--no-requeue',
    plan.scriptPath,
  ];
}

/** Whole minutes (Slurm's unit), one above the timeout. */
export function timeLimitMinutes(timeoutMs: number): number {
  return Math.ceil(timeoutMs / 60_000) + 1;
}

/** `12345` or `12345;cluster` (what --parsable prints) -> `12345`. */
export function parseSbatchOutput(stdout: string): string | undefined {
  const first = stdout.trim().split('\n').pop()?.split(';')[0]?.trim() ?? '';
  return /^[0-9]+$/.test(first) ? first : undefined;
}
