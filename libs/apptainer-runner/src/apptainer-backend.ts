import {
  type Backend,
  type BackendCapabilities,
  type BackendCapacity,
  type BackendEvent,
  type BackendProbe,
  CapstanError,
  type Constraints,
  createDiskFolders,
  ErrorCode,
  type ExecutionRequest,
  type ExecutionResult,
  formatBytes,
  type ManagedResource,
  planDiskFolders,
} from '@capstan/core-constraints';
import { type ProcessOutcome, type ProcessSupervision, runProcessGroup } from '@capstan/process-kit';
import { superviseProcessGroup } from '@capstan/process-kit/internal';
import { assertInputsExist, canceledBeforeStart, countNvidiaDevices, meterAttempt, type UsageMeter } from '@capstan/support';
import { readTaskFileTail } from '@capstan/task-files';
import { accessSync, constants, existsSync } from 'node:fs';
import { availableParallelism, totalmem } from 'node:os';
import { basename, delimiter, dirname, join, resolve } from 'node:path';
import { type ApptainerBackendOptions, type ApptainerBackendOptionsInput, defaultCacheDir, parseApptainerBackendOptions } from './apptainer-backend-options';
import { type CliVersion, probeVersion } from './apptainer-cli';
import { attemptUsageReader } from './cgroup-usage';
import { AttemptCgroup, type CgroupSupport, detectCgroups, JOIN_FAILED_EXIT, JOIN_FAILED_MARKER, JOIN_SCRIPT } from './cgroups';
import { LAUNCH_FAILED_MARKER, launchLine, type Spare } from './spare';
import { MAX_SPARE_FAILURES, type SpareDiagnostics, SparePool } from './spare-pool';
import { sweepOrphanSpares } from './spare-sweep';
import { buildExecPlan, type Privileges } from './exec-plan';
import { isFile, planImageSources } from './image-plan';
import { toRemoteImage } from './image-reference';
import { type LocalSourceSettings } from './local-sources';
import { currentPrivileges } from './privileges';
import { processStartTicks, RunningAttempts } from './running-attempts';
import { SifCache } from './sif-cache';

/** Apptainer's own runtime (starter, appinit: about 15 MB here) lives in the attempt's cgroup too; a smaller limit would kill it. */
export const MIN_APPTAINER_MEMORY_BYTES = 32 * 1024 * 1024;
/** A start marker means the task never ran, so stderr is short then; the bound keeps a task printing without end from growing this read. */
const MAX_STDERR_SCAN_BYTES = 1024 * 1024;
const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface HostResources {
  readonly cpus: number;
  readonly memoryBytes: number;
}

/** What tests (or a host application) may hand in instead of what this machine says. */
export interface ApptainerBackendDependencies {
  readonly privileges?: Privileges;
  /** Where cgroup hierarchies are mounted (default /sys/fs/cgroup). */
  readonly cgroupRoot?: string;
  readonly host?: HostResources;
  readonly countGpus?: () => number;
}

/**
 * Runs each attempt with `apptainer exec` (or `singularity exec`) as a process group of this process: images from a
 * shared SIF cache (docker://, library://, oras:// converted once, across processes) or a local .sif; the same guest
 * layout and read-only inputs as the docker backend; cpu and memory limits through a cgroup per attempt where this
 * process may make one. Tasks run as the invoking user (as root: root without privileges, `--no-privs`).
 */
export class ApptainerBackend implements Backend {
  readonly name = 'apptainer';
  readonly capabilities: BackendCapabilities;
  readonly options: ApptainerBackendOptions;
  readonly cacheDir: string;
  readonly privileges: Privileges;
  readonly cgroups: CgroupSupport;
  private readonly host: HostResources;
  private readonly countGpus: () => number;
  private readonly baseEnv: Record<string, string>;
  private readonly localSources: LocalSourceSettings;
  private readonly running: RunningAttempts;
  private version: Promise<CliVersion> | undefined;
  private cache: SifCache | undefined;
  private spares: SparePool | undefined;
  private warnedSpares = false;
  /** Attempts between taking a cgroup and their end: how many spares are wanted at once. */
  private placing = 0;
  /** Attempts started: the first starts no spare unless another is placing (a single `capstan run` needs none). */
  private launched = 0;

  constructor(
    options: ApptainerBackendOptionsInput = {},
    environment: NodeJS.ProcessEnv = process.env,
    dependencies: ApptainerBackendDependencies = {},
  ) {
    this.options = parseApptainerBackendOptions(options);
    this.cacheDir = this.options.cacheDir ?? defaultCacheDir();
    this.running = new RunningAttempts(join(this.cacheDir, '.running'));
    this.privileges = dependencies.privileges ?? currentPrivileges();
    this.cgroups =
      this.options.cgroups === 'off'
        ? { usable: false, version: null, description: 'turned off (apptainer.cgroups: off)', root: dependencies.cgroupRoot ?? '/sys/fs/cgroup', parent: this.options.cgroupParent }
        : detectCgroups(this.options.cgroupParent, dependencies.cgroupRoot);
    this.host = dependencies.host ?? { cpus: availableParallelism(), memoryBytes: totalmem() };
    this.countGpus = dependencies.countGpus ?? (() => countNvidiaDevices());
    this.baseEnv = Object.fromEntries(this.options.passEnv.flatMap((name) => (environment[name] === undefined ? [] : [[name, environment[name]]])));
    this.baseEnv['PATH'] ??= DEFAULT_PATH;
    const dockerHost = this.options.dockerHost ?? environment['DOCKER_HOST'];
    this.localSources = {
      sources: this.options.localSources,
      podmanBinary: this.options.podmanBinary,
      ...(dockerHost === undefined || dockerHost === '' ? {} : { dockerHost }),
      ...(this.options.podmanUrl === undefined ? {} : { podmanUrl: this.options.podmanUrl }),
    };
    this.capabilities = {
      containerKinds: ['docker', 'library', 'oras', 'sif'],
      runsContainers: true,
      // Only through the attempt's own cgroup, so only where this process may make one (see cgroups.ts).
      enforcesMemoryLimit: this.cgroups.usable,
      enforcesCpuLimit: this.cgroups.usable,
      gpus: true,
      readOnlyInputs: true,
      networkIsolation: this.options.network === 'none',
      // Apptainer runs the container as whoever runs it (root: root without capabilities).
      runsAsInvokingUser: true,
      // Extra disks are host folders; nothing caps a bind mount's size.
      enforcesDiskSize: false,
      schedulesItself: false,
      // From the attempt's cgroup (its high-water mark read once more at the end), else its process group.
      usage: 'sampled',
    };
  }

  async probe(): Promise<BackendProbe> {
    const problems: string[] = [];
    const details: Record<string, string | number | boolean> = {
      binary: this.options.binary,
      cacheDir: this.cacheDir,
      root: this.privileges.root,
      limits: this.cgroups.usable ? this.cgroups.description : `not enforced: ${this.cgroups.description}`,
      network: this.options.network,
      gpus: this.countGpus(),
    };
    if (this.privileges.root) {
      details['rootMode'] = this.options.noPrivs ? '--no-privs' : 'full capabilities but those dropped';
      if (this.privileges.missingCapabilities.length > 0) details['missingCapabilities'] = this.privileges.missingCapabilities.join(',');
    }
    let version: CliVersion | undefined;
    try {
      version = await this.cliVersion(true);
      details['flavour'] = version.flavour;
      details['version'] = version.version;
    } catch (error) {
      problems.push((error as Error).message);
    }
    if (!onPath('flock', this.baseEnv['PATH'] ?? DEFAULT_PATH)) problems.push('flock(1) is not on PATH; the SIF cache needs it to convert each image once: install util-linux');
    details['mksquashfs'] = onPath('mksquashfs', this.baseEnv['PATH'] ?? DEFAULT_PATH);
    if (details['mksquashfs'] === false) details['note'] = 'without mksquashfs (squashfs-tools) docker:// images cannot be converted; .sif and oras:// images still run';
    if (!cacheWritable(this.cacheDir)) problems.push(`the SIF cache folder ${this.cacheDir} cannot be made or written; set apptainer.cacheDir to a writable folder`);
    return { available: problems.length === 0, ...(version === undefined ? {} : { version: version.text }), problems, details };
  }

  capacity(): Promise<BackendCapacity> {
    const amounts = { cpu: this.host.cpus, memory: this.host.memoryBytes, gpu: this.countGpus() };
    return Promise.resolve({ total: amounts, perTaskMax: amounts, fpga: 0, containerKinds: this.capabilities.containerKinds });
  }

  async execute(request: ExecutionRequest, signal: AbortSignal, emit: (event: BackendEvent) => void): Promise<ExecutionResult> {
    await assertInputsExist(request);
    const canceled = (): ExecutionResult => canceledBeforeStart('the container started');
    let version: CliVersion;
    try {
      version = await this.cliVersion(false);
    } catch (error) {
      throw new CapstanError(ErrorCode.BackendUnavailable, (error as Error).message, { cause: error });
    }
    if (signal.aborted) return canceled();
    let image: string;
    try {
      image = await this.resolveImage(request, version, signal, emit);
    } catch (error) {
      if (error instanceof CapstanError && error.code === ErrorCode.Canceled) return canceled();
      throw error;
    }
    if (signal.aborted) return canceled();

    const disks = planDiskFolders(request.paths.root, request.constraints.disks);
    await createDiskFolders(disks);
    const plan = buildExecPlan({ request, image, options: this.options, flavour: version.flavour, privileges: this.privileges, disks });
    this.placing += 1;
    let placed: Placement | undefined;
    let recorded: Promise<number | undefined> = Promise.resolve(undefined);
    let meter: UsageMeter | undefined;
    try {
      placed = await this.placeInCgroup(request, emit);
      const { cgroup, spare } = placed;
      const supervision: ProcessSupervision = {
        stdoutFile: request.paths.stdoutFile,
        stderrFile: request.paths.stderrFile,
        graceMs: this.options.graceSeconds * 1000,
        ...(request.timeoutMs === undefined ? {} : { timeoutMs: request.timeoutMs }),
        ...(request.stopNow === undefined ? {} : { stopNow: request.stopNow }),
        onSpawn: (pid) => {
          emit({ type: 'started', id: request.attemptName });
          meter = meterAttempt(attemptUsageReader(cgroup, pid), request.usageIntervalMs, emit);
          recorded = this.record(pid, request, cgroup, emit);
          // The next attempt's spare starts now, off this attempt's path; not after a lone first attempt, where the
          // spare's shell and cgroup would be made and removed for nothing.
          this.launched += 1;
          if (this.spares !== undefined && (this.launched > 1 || this.placing > 1)) setImmediate(() => this.spares?.replenish());
        },
      };
      let outcome: ProcessOutcome;
      if (spare !== undefined) {
        const line = launchLine(this.options.binary, plan.args, request.paths.workDir, plan.env);
        outcome = await superviseProcessGroup(() => spare.launch(line), this.options.binary, supervision, signal, emit);
      } else {
        const program = cgroup === undefined ? this.options.binary : '/bin/sh';
        const args = cgroup === undefined ? plan.args : ['-c', JOIN_SCRIPT, 'capstan-cgroup', ...cgroup.procsFiles, '--', this.options.binary, ...plan.args];
        outcome = await runProcessGroup({ program, args, cwd: request.paths.workDir, env: { ...this.baseEnv, ...plan.env }, ...supervision }, signal, emit);
      }
      const usage = await meter?.stop({ finalRead: cgroup !== undefined });
      const oomKills = cgroup === undefined ? 0 : await cgroup.oomKills();
      const leftovers = cgroup === undefined ? 0 : await cgroup.killRemaining();
      if (leftovers > 0) emit({ type: 'warning', message: `${leftovers} process(es) the task left running outside its process group were killed` });
      const base = { exitCode: outcome.exitCode, startedAt: outcome.startedAt, endedAt: outcome.endedAt, ...(usage === undefined ? {} : { usage }) };
      if (outcome.endReason === 'error') throw new CapstanError(ErrorCode.BackendFailure, outcome.message ?? `${this.options.binary} could not be started`);
      if (cgroup !== undefined && outcome.exitCode === JOIN_FAILED_EXIT) await this.assertStarted(request, cgroup);
      if (outcome.endReason === 'canceled' || outcome.endReason === 'timeout') return { ...base, endReason: outcome.endReason, ...(outcome.message === undefined ? {} : { message: outcome.message }) };
      if (oomKills > 0) {
        const limit = this.memoryLimit(request);
        return {
          ...base,
          endReason: 'oom',
          message: `killed for running out of memory (the cgroup counted ${oomKills} OOM kill${oomKills === 1 ? '' : 's'}${limit === null ? '' : `; limit ${formatBytes(limit)}, ${limit} bytes`}); raise requirements.memory or hints.max_memory`,
        };
      }
      return { ...base, endReason: 'exited' };
    } finally {
      void meter?.stop(); // on the error paths: no reading outlives the attempt
      this.placing -= 1;
      // Also on the error paths above: nothing may stay in the cgroup (a spare never launched included), or it could not be removed.
      const cgroup = placed?.cgroup;
      await cgroup?.killRemaining().catch(() => 0);
      await cgroup?.remove().catch((error: unknown) => emit({ type: 'warning', message: `the attempt's cgroup could not be removed: ${(error as Error).message}` }));
      const pgid = await recorded;
      if (pgid !== undefined) await this.running.remove(pgid).catch(() => undefined);
    }
  }

  /** Where each image would come from (the SIF cache, a local engine store, its registry), converting nothing: for `plan`. */
  describeImages(constraints: Constraints): Promise<string[]> {
    return planImageSources(constraints.containers, {
      policy: this.options.pullPolicy,
      local: this.localSources,
      cachePath: (source) => join(this.cacheDir, `${toRemoteImage(source).key}.sif`),
    });
  }

  /**
   * Kills the spares this backend keeps ready and removes their cgroups (see spare-pool.ts). The backend stays
   * usable: a later attempt starts new ones. Exiting the process does the same by itself.
   */
  async close(): Promise<void> {
    const pool = this.spares;
    this.spares = undefined;
    await pool?.close();
  }

  /** The spare pool, for tests and diagnostics (undefined until an attempt needed a cgroup, or with `spares: 0`). */
  get sparePool(): SpareDiagnostics | undefined {
    return this.spares;
  }

  /**
   * Running attempts carrying every label of `selector`: those of this process, and those of Capstan processes that
   * died and left them running (the orphan reaper ends those through `removeManaged`).
   */
  async listManaged(selector: Readonly<Record<string, string>>): Promise<ManagedResource[]> {
    // Spares of dead Capstan processes carry no labels (they never ran a task): they are removed here, as the reaper lists.
    await sweepOrphanSpares(this.cgroups).catch(() => []);
    const records = await this.running.list();
    return records.filter((record) => Object.entries(selector).every(([key, value]) => record.labels[key] === value)).map((record) => RunningAttempts.toResource(record));
  }

  /** Kills the attempt's process group (and what is left in its cgroup), removes its cgroup and its record. */
  async removeManaged(resource: ManagedResource): Promise<void> {
    const pgid = Number(resource.id);
    if (!Number.isInteger(pgid) || pgid <= 1) throw new CapstanError(ErrorCode.InvalidValue, `"${resource.id}" is not the process group of an apptainer attempt`);
    await this.running.end(pgid);
  }

  /** Writes the attempt down (see running-attempts.ts); a failure only warns: the attempt runs either way. */
  private async record(pid: number, request: ExecutionRequest, cgroup: AttemptCgroup | undefined, emit: (event: BackendEvent) => void): Promise<number | undefined> {
    try {
      const startTicks = await processStartTicks(pid);
      await this.running.add({ pgid: pid, startTicks, attemptName: request.attemptName, labels: request.labels, cgroups: cgroup?.folders ?? [], createdAt: new Date().toISOString() });
      return pid;
    } catch (error) {
      emit({ type: 'warning', message: `the attempt could not be recorded in ${this.running.folder} (a Capstan crash would leave it unfound by cleanup): ${(error as Error).message}` });
      return undefined;
    }
  }

  /** The probed CLI, cached (a failure is not: the next call probes again). */
  private cliVersion(fresh: boolean): Promise<CliVersion> {
    if (fresh || this.version === undefined) {
      const probe = probeVersion(this.options.binary, this.baseEnv);
      this.version = probe;
      probe.catch(() => {
        if (this.version === probe) this.version = undefined;
      });
    }
    return this.version;
  }

  private sifCache(version: CliVersion): SifCache {
    this.cache ??= new SifCache({
      cacheDir: this.cacheDir,
      binary: this.options.binary,
      flavour: version.flavour,
      baseEnv: this.baseEnv,
      registries: this.options.registries,
      insecureRegistries: this.options.insecureRegistries,
      extraPullArgs: this.options.extraPullArgs,
      pullTimeoutMs: this.options.pullTimeoutSeconds * 1000,
      localSources: this.localSources,
    });
    return this.cache;
  }

  /** The first usable candidate, in the task's order: a .sif file that exists, or a remote image converted (once) in the cache. */
  private async resolveImage(request: ExecutionRequest, version: CliVersion, signal: AbortSignal, emit: (event: BackendEvent) => void): Promise<string> {
    const failures = request.constraints.skippedContainers.map((skipped) => ({ reference: skipped.uri, reason: skipped.reason }));
    for (const source of request.constraints.containers) {
      if (source.kind === 'sif') {
        const path = resolve(source.reference);
        if (await isFile(path)) return path;
        failures.push({ reference: source.uri, reason: `there is no SIF file at ${path}` });
        continue;
      }
      if (source.kind !== 'docker' && source.kind !== 'library' && source.kind !== 'oras') {
        failures.push({ reference: source.uri, reason: `a ${source.kind} source, which Apptainer cannot run` });
        continue;
      }
      const remote = toRemoteImage(source);
      let from: string | undefined;
      try {
        const cached = await this.sifCache(version).ensure(remote, {
          policy: this.options.pullPolicy,
          signal,
          onPulling: () => emit({ type: 'pulling', image: source.uri, bytesDone: 0, bytesTotal: null }),
          onPulled: (ms) => emit({ type: 'pulled', image: source.uri, ms, ...(from === undefined ? {} : { source: from }) }),
          onSource: (description) => (from = description),
          onNote: (message) => emit({ type: 'warning', message }),
        });
        return cached.path;
      } catch (error) {
        if (error instanceof CapstanError && error.code === ErrorCode.Canceled) throw error;
        failures.push({ reference: source.uri, reason: (error as Error).message });
      }
    }
    const list = failures.map((failure) => `  - ${failure.reference}: ${failure.reason}`).join('\n');
    throw new CapstanError(
      ErrorCode.ImageUnavailable,
      failures.length === 0
        ? 'the task names no container image this backend can use; give one under requirements.container'
        : `none of the task's ${failures.length} container image${failures.length === 1 ? '' : 's'} can be used (pull policy ${this.options.pullPolicy}):\n${list}`,
      { path: 'requirements.container', details: { candidates: failures } },
    );
  }

  /** The hard memory limit: `max_memory`, else the request under `memoryLimit: 'request'`; null for none. */
  private memoryLimit(request: ExecutionRequest): number | null {
    const wanted = request.constraints.memoryLimit ?? (this.options.memoryLimit === 'request' ? request.constraints.memory : null);
    return wanted === null || wanted === 0 ? null : Math.max(wanted, MIN_APPTAINER_MEMORY_BYTES);
  }

  /**
   * The attempt's cgroup (none when this process cannot make one): a ready spare's, renamed and given the limits,
   * or else a fresh one the attempt's process joins itself (the join script).
   */
  private async placeInCgroup(request: ExecutionRequest, emit: (event: BackendEvent) => void): Promise<Placement> {
    if (!this.cgroups.usable) return {};
    const memoryBytes = this.memoryLimit(request);
    const wanted = request.constraints.memoryLimit ?? (this.options.memoryLimit === 'request' ? request.constraints.memory : null);
    if (memoryBytes !== null && wanted !== null && memoryBytes !== wanted) {
      emit({ type: 'warning', message: `the memory limit was raised from ${wanted} to ${memoryBytes} bytes: Apptainer's own runtime counts against it too` });
    }
    const limits = { memoryBytes, cpuRequest: request.constraints.cpu, cpuLimit: request.constraints.cpuLimit };
    const name = `${request.attemptName.replace(/[^A-Za-z0-9_.-]+/g, '_')}.${process.pid}`;
    const spare = this.takeSpare(emit);
    try {
      if (spare !== undefined) return { cgroup: await spare.prepare(name, limits), spare };
      return { cgroup: await AttemptCgroup.create(this.cgroups, name, limits) };
    } catch (error) {
      await spare?.discard().catch(() => undefined);
      throw new CapstanError(ErrorCode.BackendFailure, `could not make the attempt's cgroup ${name} (${this.cgroups.description}): ${(error as Error).message}; set apptainer.cgroups: off to run without limits`, { cause: error });
    }
  }

  /** A ready spare if there is one; the first call starts the pool (and sweeps spares of dead Capstan processes). */
  private takeSpare(emit: (event: BackendEvent) => void): Spare | undefined {
    if (this.options.spares === 0) return undefined;
    if (this.spares === undefined) {
      this.spares = new SparePool(this.cgroups, this.baseEnv, this.options.spares);
      void sweepOrphanSpares(this.cgroups).catch(() => []);
    }
    const pool = this.spares;
    const spare = pool.take(this.placing);
    if (spare === undefined && pool.gaveUp && !this.warnedSpares) {
      this.warnedSpares = true;
      emit({ type: 'warning', message: `no spare cgroups are kept ready (${MAX_SPARE_FAILURES} failed to start; the last: ${pool.lastError?.message ?? 'unknown'}); each attempt joins its cgroup itself, which can take some milliseconds longer` });
    }
    return spare;
  }

  /** Exit JOIN_FAILED_EXIT is the task's own unless the join script or the spare said it could not place or start it. */
  private async assertStarted(request: ExecutionRequest, cgroup: AttemptCgroup): Promise<void> {
    const stderr = await readTaskFileTail(dirname(request.paths.stderrFile), basename(request.paths.stderrFile), MAX_STDERR_SCAN_BYTES).catch(() => '');
    if (stderr.includes(JOIN_FAILED_MARKER)) {
      throw new CapstanError(ErrorCode.BackendFailure, `the task could not be placed in its cgroup (${cgroup.procsFiles.join(', ')}); set apptainer.cgroups: off to run without limits`);
    }
    const launch = stderr.split('\n').find((line) => line.includes(LAUNCH_FAILED_MARKER));
    if (launch !== undefined) throw new CapstanError(ErrorCode.BackendFailure, `${this.options.binary} could not be started: ${launch.slice(launch.indexOf(LAUNCH_FAILED_MARKER) + LAUNCH_FAILED_MARKER.length + 2)}`);
  }
}

/** Where an attempt runs: its cgroup (if any) and the spare already in it (if one was taken). */
interface Placement {
  readonly cgroup?: AttemptCgroup;
  readonly spare?: Spare;
}

function onPath(program: string, path: string): boolean {
  return path.split(delimiter).some((folder) => folder !== '' && existsSync(join(folder, program)));
}

function cacheWritable(folder: string): boolean {
  let target = folder;
  while (!existsSync(target)) {
    const parent = resolve(target, '..');
    if (parent === target) return false;
    target = parent;
  }
  try {
    accessSync(target, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}
