import {
  type Backend,
  type BackendCapabilities,
  type BackendCapacity,
  type BackendEvent,
  type BackendProbe,
  CapstanError,
  createDiskFolders,
  ErrorCode,
  type ExecutionRequest,
  type ExecutionResult,
  planDiskFolders,
} from '@capstan/core-constraints';
import { buildJobScript, imageCandidates, jobLogins } from '@capstan/job-script';
import { assertInputsExist, canceledBeforeStart, Semaphore } from '@capstan/support';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type BatchBackendOptions, type BatchBackendOptionsInput, defaultSifCacheDir, effectiveProfile, parseBatchBackendOptions } from './batch-backend-options';
import { type CommandRunner, CountingRunner, LocalCommandRunner, whatItSaid } from './command-runner';
import { followJob } from './follow-job';
import { jobIdIn } from './job-output';
import { JobMonitor, type MonitorStats } from './job-monitor';
import { type BatchProfile } from './profiles';
import { submitValues } from './submit-values';
import { renderTemplate } from './template';

const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
/** Docker and Podman refuse smaller memory limits. */
const MIN_CONTAINER_MEMORY_BYTES = 6 * 1024 * 1024;

export interface BatchBackendDependencies {
  /** Where the scheduler's commands run: this host by default; a test's fake, or a login node over SSH. */
  readonly runner?: CommandRunner;
}

/**
 * Runs each attempt as one batch job of a scheduler driven by command templates (a profile: Grid Engine, Slurm, LSF,
 * PBS, HTCondor, or a site's own): the submit command with a script that runs the task in a container on the node
 * (the slurm backend's script, from @capstan/job-script), one status call per poll for every job, a finished call
 * for a job that left the listing without its status file, and the cancel command.
 */
export class BatchBackend implements Backend {
  readonly name = 'batch';
  readonly capabilities: BackendCapabilities;
  readonly options: BatchBackendOptions;
  readonly profile: BatchProfile;
  readonly sifCacheDir: string;
  private readonly runner: CountingRunner;
  private readonly monitor: JobMonitor;
  private readonly submits: Semaphore;
  private readonly commandEnv: Record<string, string>;

  constructor(options: BatchBackendOptionsInput = {}, environment: NodeJS.ProcessEnv = process.env, dependencies: BatchBackendDependencies = {}) {
    this.options = parseBatchBackendOptions(options);
    this.profile = effectiveProfile(this.options);
    this.sifCacheDir = this.options.sifCacheDir ?? defaultSifCacheDir();
    this.commandEnv = {};
    for (const name of this.options.passEnv) {
      const value = environment[name];
      if (value !== undefined) this.commandEnv[name] = value;
    }
    this.commandEnv['PATH'] ??= DEFAULT_PATH;
    this.runner = new CountingRunner(dependencies.runner ?? new LocalCommandRunner());
    this.monitor = new JobMonitor(this.runner, this.profile, { intervalMs: this.options.pollIntervalMs, timeoutMs: this.options.commandTimeoutMs, env: this.commandEnv });
    this.submits = new Semaphore(this.options.maxConcurrentSubmits);
    const apptainer = this.options.runtime === 'apptainer';
    this.capabilities = {
      containerKinds: apptainer ? ['docker', 'library', 'oras', 'sif'] : ['docker'],
      runsContainers: true,
      // Docker and Podman limit their containers themselves; an Apptainer job is held only by what the scheduler enforces.
      enforcesMemoryLimit: !apptainer,
      enforcesCpuLimit: !apptainer,
      gpus: true,
      readOnlyInputs: true,
      networkIsolation: this.options.network === 'none',
      runsAsInvokingUser: true,
      enforcesDiskSize: false,
      schedulesItself: true,
      usage: 'unavailable',
    };
  }

  get runtimeBinary(): string {
    return this.options.runtimeBinary ?? this.options.runtime;
  }

  /** How many times each scheduler command was run, by program name (tests, benchmarks). */
  commandCounts(): Record<string, number> {
    return this.runner.commandCounts();
  }

  monitorStatistics(): MonitorStats {
    return this.monitor.statistics;
  }

  /** Runs the status command once: the scheduler answers, and its commands are where the profile says. */
  async probe(): Promise<BackendProbe> {
    const details: Record<string, string | number | boolean> = { profile: this.options.profile, runtime: this.options.runtime, pollIntervalMs: this.options.pollIntervalMs };
    const result = await this.runner.run({ argv: renderTemplate(this.profile.status, { job_ids: ['0'], job_ids_csv: '0' }, 'status'), env: this.commandEnv, timeoutMs: this.options.commandTimeoutMs });
    const noneKnown = this.profile.noJobsPattern !== undefined && new RegExp(this.profile.noJobsPattern).test(result.stderr + result.stdout);
    if (result.code === 0 || noneKnown) return { available: true, problems: [], details };
    const program = this.profile.status[0];
    return {
      available: false,
      problems: [
        `the ${this.options.profile} status command (${String(program)}) does not answer: ${whatItSaid(result)}; install the scheduler's client commands and put them on PATH (Grid Engine on this machine: sudo tools/engines/gridengine.sh), or fix batch.profile`,
      ],
      details,
    };
  }

  async capacity(): Promise<BackendCapacity> {
    const node = this.options.largestNode;
    const amounts = { cpu: node.cpu, memory: node.memoryMiB * 1024 * 1024, gpu: node.gpu };
    return { total: amounts, perTaskMax: amounts, fpga: 0, containerKinds: this.capabilities.containerKinds };
  }

  async execute(request: ExecutionRequest, signal: AbortSignal, emit: (event: BackendEvent) => void): Promise<ExecutionResult> {
    await assertInputsExist(request);
    const submittedAt = new Date();
    const canceled = (): ExecutionResult => canceledBeforeStart('the job was submitted', submittedAt);
    if (signal.aborted) return canceled();
    const { candidates, skipped } = imageCandidates(request.constraints.containers, { runtime: this.options.runtime, insecureRegistries: this.options.insecureRegistries });
    if (candidates.length === 0) {
      const reasons = [...request.constraints.skippedContainers.map((skip) => skip.reason), ...skipped.map((skip) => `"${skip.uri}" is ${skip.reason}`)];
      throw new CapstanError(ErrorCode.ImageUnavailable, `none of the task's images can run with ${this.options.runtime} inside a batch job: ${reasons.join('; ')}; give an image it can run under requirements.container`, {
        path: 'requirements.container',
      });
    }
    const jobDir = join(request.paths.root, 'batch');
    const statusFile = join(jobDir, 'status');
    const scriptPath = join(jobDir, 'job.sh');
    await mkdir(jobDir, { recursive: true });
    const disks = planDiskFolders(request.paths.root, request.constraints.disks);
    await createDiskFolders(disks);
    const { logins, env: loginEnv } = jobLogins(candidates, this.options.registries);
    const memoryBytes = request.constraints.memoryLimit ?? request.constraints.memory;
    const script = buildJobScript({
      request,
      runtime: this.options.runtime,
      runtimeBinary: this.runtimeBinary,
      runtimeArgs: this.options.runtimeArgs,
      capDrop: this.options.capDrop,
      candidates,
      logins,
      sifCacheDir: this.sifCacheDir,
      statusFile,
      disks,
      network: this.options.network,
      graceSeconds: this.options.graceSeconds,
      noPrivs: this.options.noPrivs,
      memoryLimitBytes: memoryBytes === 0 ? 0 : Math.max(memoryBytes, MIN_CONTAINER_MEMORY_BYTES),
    });
    await writeFile(scriptPath, script, { mode: 0o700 });
    await chmod(scriptPath, 0o700);
    const env = { ...this.commandEnv, ...loginEnv };
    const argv = renderTemplate(this.profile.submit, submitValues({ request, scriptPath, memoryBytes, queue: this.options.queue, envNames: Object.keys(env) }), 'submit');
    const jobId = await this.submits.use(async () => {
      if (signal.aborted) return undefined;
      const result = await this.runner.run({ argv, env, timeoutMs: this.options.commandTimeoutMs });
      if (result.code !== 0) {
        // A submit that timed out may still have queued the job: the task fails, and says so.
        throw new CapstanError(ErrorCode.BackendFailure, `the ${this.options.profile} submit command refused the job of ${request.attemptName}: ${whatItSaid(result)}; check batch.queue and batch.commands.submit against the scheduler`, {
          details: { profile: this.options.profile, attempt: request.attemptName },
        });
      }
      const id = jobIdIn(result.stdout, this.profile);
      if (id === undefined) {
        throw new CapstanError(
          ErrorCode.BackendFailure,
          `the ${this.options.profile} submit command printed no job id that ${this.profile.jobIdPattern} finds (it printed ${JSON.stringify(result.stdout.trim().slice(0, 200))}); the job may be queued: check the scheduler, and fix batch.commands.jobIdPattern`,
          { details: { profile: this.options.profile, output: result.stdout.slice(0, 500) } },
        );
      }
      return id;
    });
    if (jobId === undefined) return canceled();
    return followJob({
      jobId,
      request,
      signal,
      emit,
      monitor: this.monitor,
      profile: this.profile,
      profileName: this.options.profile,
      runtime: this.options.runtime,
      statusFile,
      submittedAt,
      memoryBytes,
      retries: this.options.statusRetries,
      retryDelayMs: this.options.pollIntervalMs,
    });
  }

  /** Stops polling; jobs keep running in the scheduler. */
  close(): void {
    this.monitor.close();
  }
}
