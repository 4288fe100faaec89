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
} from '@capstan/core-constraints';
import { nodeJobCapabilities, writeJobScript } from '@capstan/job-script';
import { SshCommandRunner } from '@capstan/process-kit';
import { assertInputsExist, canceledBeforeStart, Semaphore } from '@capstan/support';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { type NodeMaximum, largestNode, parseNodes, parsePartitions, type SlurmNode, type SlurmPartition } from './cluster-nodes';
import { decodeCommentLabels, encodeCommentLabels } from './comment-labels';

import { followJob } from './follow-job';
import { type AccountingOptions, JobAccounting } from './job-accounting';
import { JobMonitor, type MonitorStats } from './job-monitor';
import { choosePartition, isShortTask, partitionsInRules } from './partition-rules';
import { buildSbatchArgs, parseSbatchOutput } from './sbatch-args';
import { type SlurmBackendOptions, type SlurmBackendOptionsInput, defaultSifCacheDir, parseSlurmBackendOptions } from './slurm-backend-options';
import { SlurmCli, type SlurmCommand } from './slurm-cli';

const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
/** The fields listManaged reads; the comment comes last because only it may hold anything (it is percent-encoded, though). */
const LIST_FORMAT = 'JobID:0|,State:0|,Name:0|,Comment:0';

/** What tests (or a host application) may hand in instead of the real commands. */
export interface SlurmBackendDependencies {
  readonly cli?: SlurmCli;
  /** How long sacct is asked again after a job's end while its record lags (tests). */
  readonly accounting?: AccountingOptions;
}

/**
 * Runs each attempt as one Slurm batch job: `sbatch` of a script that runs the task in a container on the node
 * (Apptainer by default, or Docker or Podman), with the task's CPUs, memory, GPUs, time limit and the partition the
 * configured rules choose. The states of all of this backend's jobs are read with one `squeue` per poll interval.
 * Slurm schedules: the resource manager runs in unlimited mode, and every task is submitted as soon as it is ready.
 */
export class SlurmBackend implements Backend {
  readonly name = 'slurm';
  readonly capabilities: BackendCapabilities;
  readonly options: SlurmBackendOptions;
  readonly sifCacheDir: string;
  readonly cli: SlurmCli;
  private readonly ssh: SshCommandRunner | undefined;
  private readonly monitor: JobMonitor;
  private readonly accounting: JobAccounting | undefined;
  private readonly submits: Semaphore;
  private readonly baseEnv: Record<string, string>;
  private capacityPromise: Promise<BackendCapacity> | undefined;

  constructor(options: SlurmBackendOptionsInput = {}, environment: NodeJS.ProcessEnv = process.env, dependencies: SlurmBackendDependencies = {}) {
    this.options = parseSlurmBackendOptions(options);
    this.sifCacheDir = this.options.sifCacheDir ?? defaultSifCacheDir();
    this.baseEnv = Object.fromEntries(Object.entries(environment).filter((entry): entry is [string, string] => entry[1] !== undefined));
    this.baseEnv['PATH'] ??= DEFAULT_PATH;
    this.ssh = dependencies.cli === undefined && this.options.ssh !== undefined ? new SshCommandRunner(this.options.ssh, 'slurm.ssh') : undefined;
    this.cli = dependencies.cli ?? new SlurmCli(this.options.binDir, this.baseEnv, undefined, this.ssh);
    this.monitor = new JobMonitor(this.cli, this.options.pollIntervalMs);
    this.accounting = this.options.runtime === 'apptainer' && this.options.accounting ? new JobAccounting(this.cli, dependencies.accounting) : undefined;
    this.submits = new Semaphore(this.options.maxConcurrentSubmits);
    this.capabilities = nodeJobCapabilities({
      ...this.options,
      // Apptainer's from the cluster's job accounting (sstat, sacct), which sees the job's own processes. A Docker or
      // Podman container belongs to its daemon, outside the job: its final usage comes from its own cgroup, which the
      // job script copies after its end (job-script's container-usage).
      usage: this.options.runtime !== 'apptainer' ? 'final-only' : this.accounting === undefined ? 'unavailable' : 'sampled',
    });
  }

  /** The runtime's CLI as the job script calls it. */
  get runtimeBinary(): string {
    return this.options.runtimeBinary ?? this.options.runtime;
  }

  /** How many times each Slurm command was run by this backend (tests, benchmarks). */
  commandCounts(): Record<SlurmCommand, number> {
    return this.cli.commandCounts();
  }

  /** Polls and cancels of the job monitor (tests, benchmarks). */
  monitorStatistics(): MonitorStats {
    return this.monitor.statistics;
  }

  async probe(): Promise<BackendProbe> {
    const problems: string[] = [];
    const details: Record<string, string | number | boolean> = { runtime: this.options.runtime, runtimeBinary: this.runtimeBinary, pollIntervalMs: this.options.pollIntervalMs };
    const path = this.baseEnv['PATH'] ?? DEFAULT_PATH;
    if (this.ssh !== undefined) {
      details['sshHost'] = `${this.ssh.options.host}:${this.ssh.options.port}`;
      const refused = await this.ssh.refusal();
      if (refused !== undefined) return { available: false, problems: [refused], details };
    }
    // Over SSH the commands are on the login node: whether they are there, sbatch --version below says.
    const missing = (['sbatch', 'squeue', 'scontrol', 'scancel'] as const).filter((command) =>
      this.ssh !== undefined ? false : this.options.binDir === undefined ? !onPath(command, path) : !existsSync(join(this.options.binDir, command)),
    );
    if (missing.length > 0) {
      problems.push(
        `${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not ${this.options.binDir === undefined ? 'on PATH' : `in ${this.options.binDir}`}; ` +
          'install the Slurm client commands (Debian: slurm-client; this machine as a one-node cluster: sudo tools/engines/slurm.sh) or set slurm.binDir',
      );
      return { available: false, problems, details };
    }
    let version: string | undefined;
    const versionResult = await this.cli.run('sbatch', ['--version'], { timeoutMs: 10_000 });
    if (versionResult.code === 0) version = versionResult.stdout.trim();
    const ping = await this.cli.run('scontrol', ['ping'], { timeoutMs: 20_000 });
    if (ping.code === 0 && /\bUP\b/.test(ping.stdout)) {
      details['controller'] = ping.stdout.trim().split('\n')[0] ?? '';
    } else {
      problems.push(
        `the Slurm controller does not answer (scontrol ping: ${(ping.stdout + ping.stderr).trim().split('\n').slice(-2).join(' ') || `exit code ${ping.code ?? 'none'}`}); ` +
          'start slurmctld (sudo tools/engines/slurm.sh on this machine), or point SLURM_CONF at the cluster configuration',
      );
    }
    if (problems.length === 0) {
      try {
        await this.checkPartitions(details);
      } catch (error) {
        problems.push((error as Error).message);
      }
      await this.describeClusterLimits(details);
    }
    if (this.options.probeRuntime && !(this.runtimeBinary.startsWith('/') ? existsSync(this.runtimeBinary) : onPath(this.runtimeBinary, path))) {
      problems.push(
        `${this.runtimeBinary} is not installed on this host; the jobs run it on the nodes: install it there (on Debian 12: tools/engines/${this.options.runtime}.sh), ` +
          'or set slurm.probeRuntime: false when only the nodes have it',
      );
    }
    return { available: problems.length === 0, ...(version === undefined ? {} : { version }), problems, details };
  }

  /**
   * The largest node of the partitions the rules can choose (a job runs on one node), read once with
   * `scontrol show partition` and `scontrol show node` and kept; `total` is the sum of those nodes.
   */
  capacity(): Promise<BackendCapacity> {
    if (this.capacityPromise === undefined) {
      const reading = this.readCapacity();
      this.capacityPromise = reading;
      reading.catch(() => {
        if (this.capacityPromise === reading) this.capacityPromise = undefined;
      });
    }
    return this.capacityPromise;
  }

  async execute(request: ExecutionRequest, signal: AbortSignal, emit: (event: BackendEvent) => void): Promise<ExecutionResult> {
    await assertInputsExist(request);
    const submittedAt = new Date();
    const canceled = (): ExecutionResult => canceledBeforeStart('the job was submitted', submittedAt);
    if (signal.aborted) return canceled();

    // Registry logins travel in the job's environment (sbatch --export by name), never in the script file.
    const { scriptPath, statusFile, loginEnv, memoryBytes } = await writeJobScript(request, { ...this.options, runtimeBinary: this.runtimeBinary, sifCacheDir: this.sifCacheDir }, 'slurm', 'Slurm');

    const partition = choosePartition(this.options.partitions, {
      gpu: request.constraints.gpu,
      fpga: request.constraints.fpga,
      shortTask: isShortTask(request, this.options.shortTaskMaxMinutes),
    });
    // sbatch runs with only what the job may see (--export=ALL hands it on): passEnv, the logins, and SLURM_CONF.
    const jobEnv: Record<string, string> = { ...loginEnv };
    for (const name of [...this.options.passEnv, 'SLURM_CONF']) {
      const value = this.baseEnv[name];
      if (value !== undefined) jobEnv[name] = value;
    }
    const args = buildSbatchArgs({
      request,
      scriptPath,
      partition: partition.partition,
      memoryBytes,
      comment: encodeCommentLabels(request.labels),
      extraArgs: this.options.sbatchArgs,
    });
    const jobId = await this.submits.use(async () => {
      if (signal.aborted) return undefined;
      const result = await this.cli.run('sbatch', args, { env: jobEnv, cleanEnv: true });
      const id = result.code === 0 ? parseSbatchOutput(result.stdout) : undefined;
      if (id === undefined) {
        throw new CapstanError(
          ErrorCode.BackendFailure,
          `sbatch refused the job of ${request.attemptName}${partition.partition === undefined ? '' : ` (partition ${partition.partition}, chosen by the ${partition.rule} rule)`}: ` +
            `${(result.stderr || result.stdout).trim().split('\n').slice(-3).join(' ') || `exit code ${result.code ?? 'none'}`}; check slurm.partitions and slurm.sbatchArgs against the cluster (sinfo)`,
          { details: { partition: partition.partition ?? null, rule: partition.rule } },
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
      runtime: this.options.runtime,
      statusFile,
      submittedAt,
      memoryBytes,
      ...(this.accounting === undefined ? {} : { accounting: this.accounting }),
    });
  }

  /** Pending and running jobs of this user whose comment carries Capstan's labels, and every label of `selector`. */
  async listManaged(selector: Readonly<Record<string, string>>): Promise<ManagedResource[]> {
    const result = await this.cli.run('squeue', ['--me', '--noheader', `--Format=${LIST_FORMAT}`]);
    if (result.code !== 0) {
      throw new CapstanError(ErrorCode.BackendUnavailable, `squeue could not list this user's jobs: ${result.stderr.trim()}; check that the Slurm controller answers (scontrol ping)`);
    }
    const resources: ManagedResource[] = [];
    for (const line of result.stdout.split('\n')) {
      const fields = line.split('|');
      if (fields.length < 4) continue;
      const [id = '', state = '', name = ''] = fields.map((field) => field.trim());
      const labels = decodeCommentLabels(fields.slice(3).join('|').trim());
      if (labels === undefined || !Object.entries(selector).every(([key, value]) => labels[key] === value)) continue;
      resources.push({ id, name, labels, state: state.toLowerCase() });
    }
    return resources;
  }

  /** scancel (SIGTERM, KillWait, SIGKILL); a job that has already ended is no error. */
  async removeManaged(resource: ManagedResource): Promise<void> {
    if (!/^[0-9]+$/.test(resource.id)) throw new CapstanError(ErrorCode.InvalidValue, `"${resource.id}" is not a Slurm job id`);
    await this.monitor.cancel(resource.id, 'graceful');
  }

  /** Stops polling; jobs keep running in Slurm. */
  close(): void {
    this.monitor.close();
    this.ssh?.close();
  }

  private async readCapacity(): Promise<BackendCapacity> {
    const { partitions, nodes, chosen } = await this.readCluster();
    const maximum: NodeMaximum = largestNode(nodes, chosen);
    if (maximum.nodes === 0) {
      throw new CapstanError(ErrorCode.BackendUnavailable, `the partitions ${chosen.join(', ')} have no nodes (scontrol show node); the cluster has partitions ${partitions.map((p) => p.name).join(', ')}`);
    }
    const inChosen = nodes.filter((node) => node.partitions.some((name) => chosen.includes(name)));
    const sum = (pick: (node: SlurmNode) => number): number => inChosen.reduce((total, node) => total + pick(node), 0);
    return {
      total: { cpu: sum((node) => node.cpus), memory: sum((node) => node.memory), gpu: sum((node) => node.gres['gpu'] ?? 0) },
      perTaskMax: { cpu: maximum.cpu, memory: maximum.memory, gpu: maximum.gpu },
      fpga: maximum.fpga,
      containerKinds: this.capabilities.containerKinds,
    };
  }

  /** The cluster's partitions and nodes, and the partitions the rules can choose (the default one resolved). */
  private async readCluster(): Promise<{ partitions: SlurmPartition[]; nodes: SlurmNode[]; chosen: string[] }> {
    const [partitionOutput, nodeOutput] = await Promise.all([this.cli.run('scontrol', ['show', 'partition', '--oneliner']), this.cli.run('scontrol', ['show', 'node', '--oneliner'])]);
    for (const result of [partitionOutput, nodeOutput]) {
      if (result.code !== 0) {
        throw new CapstanError(ErrorCode.BackendUnavailable, `scontrol could not read the cluster: ${(result.stderr || result.stdout).trim().split('\n').slice(-2).join(' ')}; check that the Slurm controller answers (scontrol ping)`);
      }
    }
    const partitions = parsePartitions(partitionOutput.stdout);
    const nodes = parseNodes(nodeOutput.stdout);
    const known = new Set(partitions.map((partition) => partition.name));
    const chosen: string[] = [];
    for (const [rule, name] of Object.entries(this.options.partitions)) {
      if (name !== undefined && !known.has(name)) {
        throw new CapstanError(ErrorCode.InvalidConfig, `partition "${name}" (slurm.partitions.${rule}) does not exist; the cluster has ${[...known].join(', ') || 'none'}: fix slurm.partitions.${rule}`, {
          path: `slurm.partitions.${rule}`,
        });
      }
    }
    for (const name of partitionsInRules(this.options.partitions)) {
      const resolved = name ?? partitions.find((partition) => partition.isDefault)?.name;
      if (resolved === undefined) {
        throw new CapstanError(ErrorCode.InvalidConfig, `the cluster has no default partition and slurm.partitions.default is not set; set it to one of ${[...known].join(', ')}`, { path: 'slurm.partitions.default' });
      }
      if (!chosen.includes(resolved)) chosen.push(resolved);
    }
    return { partitions, nodes, chosen };
  }

  private async checkPartitions(details: Record<string, string | number | boolean>): Promise<void> {
    const { chosen } = await this.readCluster();
    details['partitions'] = chosen.join(', ');
  }

  /** What the controller says about cgroup confinement, next to what the options declare. */
  private async describeClusterLimits(details: Record<string, string | number | boolean>): Promise<void> {
    const config = await this.cli.run('scontrol', ['show', 'config']);
    if (config.code !== 0) return;
    const value = (key: string): string | undefined => new RegExp(`^${key}\\s*=\\s*(.*)$`, 'm').exec(config.stdout)?.[1]?.trim();
    const cgroupTask = (value('TaskPlugin') ?? '').includes('task/cgroup');
    details['slurmConfinesMemory'] = cgroupTask && value('ConstrainRAMSpace') === 'yes';
    details['slurmConfinesCpus'] = cgroupTask && value('ConstrainCores') === 'yes';
    details['killWaitSeconds'] = Number.parseInt(value('KillWait') ?? '', 10) || 0;
    if (this.options.runtime === 'apptainer' && details['slurmConfinesMemory'] !== this.options.clusterLimits.memory) {
      details['note'] = `the controller ${details['slurmConfinesMemory'] ? 'confines' : 'does not confine'} job memory (task/cgroup, ConstrainRAMSpace) but slurm.clusterLimits.memory is ${this.options.clusterLimits.memory}; set it to match`;
    }
  }
}

function onPath(program: string, path: string): boolean {
  return path.split(delimiter).some((folder) => folder !== '' && existsSync(join(folder, program)));
}
