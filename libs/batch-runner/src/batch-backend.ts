import {
  type Backend,
  type BackendCapabilities,
  type BackendCapacity,
  type BackendEvent,
  type BackendProbe,
  CapstanError,
  ErrorCode,
  type ExecutionRequest,
  type ExecutionResult,
  type ManagedResource,
  type ReattachStreams,
} from '@capstan/core-constraints';
import { nodeJobCapabilities, writeJobScript } from '@capstan/job-script';
import { assertInputsExist, canceledBeforeStart, Semaphore } from '@capstan/support';
import { type BatchBackendOptions, type BatchBackendOptionsInput, defaultJobRecordsDir, defaultSifCacheDir, effectiveProfile, parseBatchBackendOptions } from './batch-backend-options';
import { type CommandRunner, LocalCommandRunner, SshCommandRunner } from '@capstan/process-kit';
import { CountingRunner, whatItSaid } from './command-runner';
import { followJob } from './follow-job';
import { jobIdIn } from './job-output';
import { JobMonitor, type MonitorStats } from './job-monitor';
import { JobRecords } from './job-records';
import { jobRecord, listManagedJobs, type ManagedJobsContext, reattachJob, removeManagedJob } from './managed-jobs';
import { type BatchProfile } from './profiles';
import { submitValues } from './submit-values';
import { renderTemplate } from './template';

const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

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
  private readonly ssh: SshCommandRunner | undefined;
  private readonly monitor: JobMonitor;
  private readonly submits: Semaphore;
  private readonly commandEnv: Record<string, string>;
  private readonly records: JobRecords;

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
    this.ssh = dependencies.runner === undefined && this.options.ssh !== undefined ? new SshCommandRunner(this.options.ssh, 'batch.ssh') : undefined;
    this.runner = new CountingRunner(dependencies.runner ?? this.ssh ?? new LocalCommandRunner());
    this.monitor = new JobMonitor(this.runner, this.profile, { intervalMs: this.options.pollIntervalMs, timeoutMs: this.options.commandTimeoutMs, env: this.commandEnv });
    this.submits = new Semaphore(this.options.maxConcurrentSubmits);
    this.records = new JobRecords(this.options.jobRecordsDir ?? defaultJobRecordsDir(), this.options.profile);
    // The scheduler confines nothing Capstan can rely on (profiles ask for memory, few sites enforce it): an Apptainer
    // job is held by nothing; Docker and Podman limit their containers themselves. A Docker or Podman container's final
    // usage comes from its own cgroup, which the job script copies after its end (job-script's container-usage); an
    // Apptainer job's is not read (the schedulers' accounting commands differ per profile).
    this.capabilities = nodeJobCapabilities({
      ...this.options,
      clusterLimits: { memory: false, cpu: false },
      usage: this.options.runtime === 'apptainer' ? 'unavailable' : 'final-only',
    });
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
    if (this.ssh !== undefined) {
      details['sshHost'] = `${this.ssh.options.host}:${this.ssh.options.port}`;
      const refused = await this.ssh.refusal();
      if (refused !== undefined) return { available: false, problems: [refused], details };
    }
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
    const { scriptPath, statusFile, loginEnv, memoryBytes } = await writeJobScript(request, { ...this.options, runtimeBinary: this.runtimeBinary, sifCacheDir: this.sifCacheDir }, 'batch', 'batch');
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
    const record = jobRecord({ jobId, profile: this.options.profile, name: request.attemptName, labels: request.labels, statusFile, stdoutFile: request.paths.stdoutFile, stderrFile: request.paths.stderrFile, memoryBytes, submittedAt, ...(request.timeoutMs === undefined ? {} : { timeoutMs: request.timeoutMs }) });
    // Without its record a later process could not take the job over; this one still follows it to its end. The
    // record is written while the job is followed; its removal waits for every write, so that none outlives its job.
    const written = this.records.write(record).catch((error: unknown) => emit({ type: 'warning', message: `the record of ${this.options.profile} job ${jobId} could not be written (${(error as Error).message}); a restarted server could not take it over: check batch.jobRecordsDir` }));
    let startNoted: Promise<void> = written;
    const noteStart = (event: BackendEvent): void => {
      emit(event);
      if (event.type === 'started') startNoted = written.then(() => this.records.write({ ...record, startedAt: new Date().toISOString() })).catch(() => undefined);
    };
    try {
      return await this.follow(jobId, request, signal, noteStart, statusFile, submittedAt, memoryBytes);
    } finally {
      await startNoted;
      await this.records.remove(jobId).catch(() => undefined);
    }
  }

  /** This user's jobs that Capstan submitted with these settings and did not see end (docs/batch.md, "After a restart"). */
  listManaged(selector: Readonly<Record<string, string>>): Promise<ManagedResource[]> {
    return listManagedJobs(this.managedContext(), selector);
  }

  /** Cancels the job (if it still runs) and forgets it. */
  removeManaged(resource: ManagedResource): Promise<void> {
    return removeManagedJob(this.managedContext(), resource);
  }

  /** Follows a job an earlier process submitted to its end, from its record. */
  reattach(resource: ManagedResource, streams: ReattachStreams, signal: AbortSignal): Promise<ExecutionResult> {
    return reattachJob(this.managedContext(), resource, streams, signal);
  }

  private managedContext(): ManagedJobsContext {
    return {
      runner: this.runner,
      records: this.records,
      monitor: this.monitor,
      profile: this.profile,
      profileName: this.options.profile,
      runtime: this.options.runtime,
      env: this.commandEnv,
      timeoutMs: this.options.commandTimeoutMs,
      retries: this.options.statusRetries,
      retryDelayMs: this.options.pollIntervalMs,
    };
  }

  private follow(jobId: string, request: ExecutionRequest, signal: AbortSignal, emit: (event: BackendEvent) => void, statusFile: string, submittedAt: Date, memoryBytes: number): Promise<ExecutionResult> {
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

  /** Stops polling and closes the SSH connection; jobs keep running in the scheduler. */
  close(): void {
    this.monitor.close();
    this.ssh?.close();
  }
}
