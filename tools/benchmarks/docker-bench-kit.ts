// Shared pieces of the Docker benchmarks (docker-overhead, docker-throughput, engine-memory): an engine wired on the
// real DockerBackend the way libs/wiring/src/wire.ts wires it, the same container run straight through
// dockerode with the identical create spec, an HTTP tracer that attributes time to daemon calls, and small stats.
// Not a test: nothing here asserts a time.
import {
  type AttemptPaths,
  type Backend,
  BackendRegistry,
  type ExecutionRequest,
  parseTask,
  type Resolution,
  type Task,
} from '@capstan/core-constraints';
import { containerUser, invokingIdentity, planDiskFolders } from '@capstan/docker-api';
import { buildContainerSpec, DockerBackend, registerDockerBackend } from '@capstan/docker-runner';
import { EngineOptions, TaskEngine } from '@capstan/engine';
import { capstanLabels, NameGenerator } from '@capstan/naming';
import { registerResourceManager, type ResourceLedger } from '@capstan/resource-manager';
import Dockerode from 'dockerode';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { container as rootContainer } from 'tsyringe';

export const BENCH_IMAGE = 'capstan-test/busybox:1';
/** `none`, so neither path pays for a bridge network endpoint (the CLI's default is `bridge`). */
export const BENCH_NETWORK = 'none';

export interface DockerWiring {
  readonly engine: TaskEngine;
  readonly backend: DockerBackend;
  readonly ledger: ResourceLedger;
  readonly workRoot: string;
  /** Removes the work root (every attempt folder of the run). */
  dispose(): Promise<void>;
}

/**
 * What `wire()` in libs/wiring/src/wire.ts does for `backend: docker`, with the configuration's defaults
 * (shell bash, limits deny, retention keep) except the network (`none`) and a throw-away work root. The backend is
 * registered with `registerDockerBackend`, so it is the same `DockerBackend` the CLI runs. `logCopy` as the backend's
 * option (`auto`, the default, keeps no copy outside a TES server).
 */
export async function wireDockerEngine(options: { readonly logCopy?: 'always' | 'never' } = {}): Promise<DockerWiring> {
  const workRoot = await mkdtemp(join(tmpdir(), 'capstan-bench-'));
  const container = rootContainer.createChildContainer();
  registerDockerBackend(container, { network: BENCH_NETWORK, ...options });
  const registry = BackendRegistry.fromContainer(container);
  container.registerInstance(BackendRegistry, registry);
  const backend: Backend = registry.get('docker');
  if (!(backend instanceof DockerBackend)) throw new Error('the docker backend is not a DockerBackend');
  const probe = await backend.probe();
  if (!probe.available) throw new Error(`the Docker daemon does not answer: ${probe.problems.join('; ')} (start it with: bash tools/engines/all.sh)`);
  const capacity = await backend.capacity();
  const ledger = registerResourceManager(container, {
    capacity: capacity.total,
    perTaskMax: capacity.perTaskMax,
    unlimited: backend.capabilities.schedulesItself,
  });
  container.registerInstance(NameGenerator, new NameGenerator());
  const engineOptions: EngineOptions = {
    backend: backend.name,
    workRoot,
    shell: 'bash',
    cpuLimitBehavior: 'deny',
    memoryLimitBehavior: 'deny',
    gpuLimitBehavior: 'deny',
    retention: 'keep',
  };
  container.registerInstance(EngineOptions, engineOptions);
  return {
    engine: container.resolve(TaskEngine),
    backend,
    ledger,
    workRoot,
    dispose: () => rm(workRoot, { recursive: true, force: true }),
  };
}

/** A task as a task file would give it: the test image, `sh` (busybox has no bash), 1 core and 2 GiB by default. */
export function benchTask(name: string, command: string, cpu?: number): Task {
  return parseTask({
    name,
    command,
    requirements: { container: BENCH_IMAGE, ...(cpu === undefined ? {} : { cpu }) },
    hints: { shell: 'sh' },
  });
}

/**
 * The same container as the engine's, run straight through dockerode: create, attach stdout/stderr (before start,
 * as the runner does), start, wait (`not-running`), wait for the output stream to end, inspect, remove (force, v).
 * The create spec comes from `buildContainerSpec` of @capstan/docker-runner with the backend's own options, the
 * engine's resolution of the task, the same labels and a unique name, so HostConfig is identical (binds, network,
 * memory and swap, cpu shares, pids limit, init, no-new-privileges, log driver none). The bound folder (command file
 * and work dir) is made once, before any timing: making it per task is part of what the engine's time includes.
 * Output is read and dropped (the engine writes it to the attempt's stdout/stderr files).
 */
export class RawDockerRunner {
  private readonly docker: Dockerode;
  private readonly names = new NameGenerator();

  private constructor(
    private readonly backend: DockerBackend,
    private readonly resolution: Resolution,
    private readonly task: Task,
    private readonly paths: AttemptPaths,
    private readonly runId: string,
  ) {
    const endpoint = backend.client.endpoint;
    if (endpoint.kind !== 'unix') throw new Error('the raw path of the benchmarks speaks to a local unix socket only');
    this.docker = new Dockerode({ socketPath: endpoint.socketPath });
  }

  /** Resolves the task exactly as the engine would (engine.plan) and prepares the bound folder under `root`. */
  static async create(wiring: DockerWiring, task: Task, root: string): Promise<RawDockerRunner> {
    const plan = await wiring.engine.plan(task);
    const folder = join(root, 'raw');
    const paths: AttemptPaths = {
      root: folder,
      commandFile: join(folder, 'command'),
      workDir: join(folder, 'work'),
      stdoutFile: join(folder, 'stdout'),
      stderrFile: join(folder, 'stderr'),
    };
    await mkdir(paths.workDir, { recursive: true });
    await writeFile(paths.commandFile, task.command.endsWith('\n') ? task.command : `${task.command}\n`, { mode: 0o644 });
    return new RawDockerRunner(wiring.backend, plan.resolution, task, paths, wiring.engine.runId);
  }

  /** The create spec of one container (a fresh unique name and labels each time). */
  spec(): Dockerode.ContainerCreateOptions {
    const attemptName = this.names.next(`raw-${this.task.name}`);
    const request: ExecutionRequest = {
      runId: this.runId,
      taskName: this.task.name,
      attemptName,
      attempt: 1,
      shell: 'sh',
      paths: this.paths,
      inputs: [],
      env: this.task.env,
      constraints: this.resolution.constraints,
      labels: capstanLabels({ runId: this.runId, taskName: this.task.name, uniqueName: attemptName, attempt: 1 }),
    };
    const options = this.backend.options;
    return buildContainerSpec({
      request,
      image: BENCH_IMAGE,
      options,
      user: containerUser(options.user, invokingIdentity()),
      disks: planDiskFolders(this.paths.root, request.constraints.disks),
    });
  }

  /** Runs one container start to removal; resolves with its exit code. */
  async run(): Promise<number> {
    const container = await this.docker.createContainer(this.spec());
    try {
      const stream = await container.attach({ stream: true, stdout: true, stderr: true, logs: false });
      const ended = new Promise<void>((resolve, reject) => {
        stream.on('end', resolve);
        stream.on('close', resolve);
        stream.on('error', reject);
      });
      stream.resume();
      await container.start();
      await container.wait({ condition: 'not-running' });
      await ended;
      const info = await container.inspect();
      return info.State.ExitCode;
    } finally {
      await container.remove({ force: true, v: true });
    }
  }
}

// Timing and tracing helpers are shared with the other engines' benchmarks.
export {
  type ApiCall as DaemonCall,
  ApiCallTracer as DaemonCallTracer,
  coveredMs,
  isAttach,
  loadAverage,
  machineLine,
  median,
  percentile,
} from './bench-common';

export const mean = (values: readonly number[]): number => (values.length === 0 ? Number.NaN : values.reduce((sum, value) => sum + value, 0) / values.length);
