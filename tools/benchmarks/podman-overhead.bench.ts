// Per-task overhead of Capstan on Podman: `true` run through a TaskEngine wired on the real PodmanBackend (which speaks
// Podman's Docker-compatible API on the service's socket), against (1) the `podman run --rm` CLI with the equivalent
// flags and (2) the same container run straight through dockerode on the same socket with the identical create spec.
// Interleaved in rounds whose order rotates, after a warm-up. Not a test: prints numbers for docs/benchmarks.md.
// A fourth arm is the raw API arm with one change, Podman's own wait endpoint instead of the compat one, to measure
// what the compat wait costs.
//   node tools/run-ts.mjs tools/benchmarks/podman-overhead.bench.ts [tasks=30] [warm-up rounds=3]
import 'reflect-metadata';
import { type AttemptPaths, type Backend, BackendRegistry, type ExecutionRequest, parseTask, type Task } from '@capstan/core-constraints';
import { containerUser, type ContainerCreateSpec, invokingIdentity } from '@capstan/docker-api';
import { EngineOptions, type PhaseTimes, TaskEngine, type TaskResult } from '@capstan/engine';
import { capstanLabels, NameGenerator } from '@capstan/naming';
import { buildPodmanContainerSpec, PodmanBackend, registerPodmanBackend } from '@capstan/podman-runner';
import { registerResourceManager } from '@capstan/resource-manager';
import Dockerode from 'dockerode';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { container as rootContainer } from 'tsyringe';
import { shellQuote } from '@capstan/support';
import { runProgram } from './apptainer-bench-kit';
import { type ApiCall, ApiCallTracer, coveredMs, isAttach, machineLine, median, percentile } from './bench-common';

const TARGET_RATIO = 1.05;
const IMAGE = 'localhost/capstan-test/busybox:1';

type ArmName = 'capstan' | 'podman run --rm' | 'raw API' | 'raw API, libpod wait';
/** The Podman-native wait of the fourth arm: the same conditions as the compat `not-running` for a started container, polled every 50 ms. */
const LIBPOD_WAIT = '/v4.0.0/libpod/containers/{id}/wait?condition=stopped&condition=exited&interval=50ms';

interface Sample {
  readonly wallMs: number;
  /** Wall time with no API call in flight (the caller's own work); not meaningful for the CLI arm. */
  readonly offServiceMs: number;
  readonly calls: readonly ApiCall[];
  readonly phases?: PhaseTimes;
}

interface PodmanWiring {
  readonly engine: TaskEngine;
  readonly backend: PodmanBackend;
  readonly workRoot: string;
}

/** What `wire()` in libs/wiring/src/wire.ts does for `backend: podman`, with the defaults, but network none and a throw-away work root. */
async function wirePodmanEngine(): Promise<PodmanWiring> {
  const workRoot = await mkdtemp(join(tmpdir(), 'capstan-bench-podman-'));
  const container = rootContainer.createChildContainer();
  registerPodmanBackend(container, { network: 'none' });
  const registry = BackendRegistry.fromContainer(container);
  container.registerInstance(BackendRegistry, registry);
  const backend: Backend = registry.get('podman');
  if (!(backend instanceof PodmanBackend)) throw new Error('the podman backend is not a PodmanBackend');
  const probe = await backend.probe();
  if (!probe.available) throw new Error(`the Podman service does not answer: ${probe.problems.join('; ')} (start it with: bash tools/engines/podman.sh)`);
  if (probe.details['rootless'] === true) throw new Error('this benchmark compares against the rootful `podman run`; point the backend at the rootful service');
  const capacity = await backend.capacity();
  registerResourceManager(container, { capacity: capacity.total, perTaskMax: capacity.perTaskMax, unlimited: backend.capabilities.schedulesItself });
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
  return { engine: container.resolve(TaskEngine), backend, workRoot };
}

/**
 * The engine's container without the engine: the create spec from `buildPodmanContainerSpec` with the backend's own
 * options, the engine's resolution of the task, the user the backend picks for a rootful service, the same labels and
 * a unique name; the bound folder made once before timing. `spec()` feeds the API arm, `cliArgs()` the CLI arm.
 */
class RawPodman {
  private readonly names = new NameGenerator();
  private readonly docker: Dockerode;
  private readonly socketPath: string;

  private constructor(
    private readonly wiring: PodmanWiring,
    private readonly task: Task,
    private readonly paths: AttemptPaths,
    private readonly constraints: ExecutionRequest['constraints'],
  ) {
    const endpoint = wiring.backend.client.endpoint;
    if (endpoint.kind !== 'unix') throw new Error('the raw API arm speaks to a local unix socket only');
    this.socketPath = endpoint.socketPath;
    this.docker = new Dockerode({ socketPath: endpoint.socketPath });
  }

  static async create(wiring: PodmanWiring, task: Task): Promise<RawPodman> {
    const plan = await wiring.engine.plan(task);
    const folder = join(wiring.workRoot, 'raw');
    const paths: AttemptPaths = { root: folder, commandFile: join(folder, 'command'), workDir: join(folder, 'work'), stdoutFile: join(folder, 'stdout'), stderrFile: join(folder, 'stderr') };
    await mkdir(paths.workDir, { recursive: true });
    await writeFile(paths.commandFile, task.command.endsWith('\n') ? task.command : `${task.command}\n`, { mode: 0o644 });
    return new RawPodman(wiring, task, paths, plan.resolution.constraints);
  }

  get cwd(): string {
    return this.paths.workDir;
  }

  spec(): ContainerCreateSpec {
    const attemptName = this.names.next(`raw-${this.task.name}`);
    const runId = this.wiring.engine.runId;
    const request: ExecutionRequest = {
      runId,
      taskName: this.task.name,
      attemptName,
      attempt: 1,
      shell: 'sh',
      paths: this.paths,
      inputs: [],
      env: this.task.env,
      constraints: this.constraints,
      labels: capstanLabels({ runId, taskName: this.task.name, uniqueName: attemptName, attempt: 1 }),
    };
    const options = this.wiring.backend.options;
    // A rootful service: the backend's user is containerUser(options.user), and no userns (PodmanBackend.containerUserFor / usernsFor).
    return buildPodmanContainerSpec({ request, image: IMAGE, options, user: containerUser(options.user, invokingIdentity()), userns: undefined, disks: [] });
  }

  /** `podman run --rm` with the flags that give the spec's container (the image has no entrypoint, so Entrypoint [] needs no flag). */
  cliArgs(spec = this.spec()): string[] {
    const host = spec.HostConfig ?? {};
    const args = ['run', '--rm'];
    if (spec.name !== undefined) args.push('--name', spec.name);
    for (const [key, value] of Object.entries(spec.Labels ?? {})) args.push('--label', `${key}=${value}`);
    for (const variable of spec.Env ?? []) args.push('--env', variable);
    if (spec.User !== undefined) args.push('--user', spec.User);
    if (spec.WorkingDir !== undefined) args.push('--workdir', spec.WorkingDir);
    for (const bind of host.Binds ?? []) args.push('--volume', bind);
    if (host.NetworkMode !== undefined) args.push('--network', host.NetworkMode);
    if (host.Memory !== undefined && host.Memory > 0) args.push('--memory', `${host.Memory}b`);
    if (host.MemorySwap !== undefined && host.MemorySwap > 0) args.push('--memory-swap', `${host.MemorySwap}b`);
    if (host.MemoryReservation !== undefined && host.MemoryReservation > 0) args.push('--memory-reservation', `${host.MemoryReservation}b`);
    if (host.CpuShares !== undefined) args.push('--cpu-shares', String(host.CpuShares));
    if (host.NanoCpus !== undefined) args.push('--cpus', String(host.NanoCpus / 1e9));
    if (host.PidsLimit !== undefined && host.PidsLimit !== null) args.push('--pids-limit', String(host.PidsLimit));
    if (host.UsernsMode !== undefined) args.push('--userns', host.UsernsMode);
    for (const option of host.SecurityOpt ?? []) args.push('--security-opt', option);
    if (host.Init === true) args.push('--init');
    if (host.LogConfig?.Type !== undefined) args.push('--log-driver', host.LogConfig.Type);
    if (spec.Image !== undefined) args.push(spec.Image);
    const cmd = spec.Cmd;
    args.push(...(Array.isArray(cmd) ? cmd : cmd === undefined ? [] : [cmd]));
    return args;
  }

  /**
   * create, attach (before start), start, wait, the output stream's end, inspect, remove (force, v): what the backend's
   * runAttemptContainer calls. `compat` waits as it does (`POST /containers/{id}/wait?condition=not-running`); `libpod`
   * uses Podman's own endpoint (LIBPOD_WAIT) instead, to measure what that one call costs.
   */
  async runApi(wait: 'compat' | 'libpod' = 'compat'): Promise<number> {
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
      if (wait === 'compat') await container.wait({ condition: 'not-running' });
      else await this.post(LIBPOD_WAIT.replace('{id}', container.id));
      await ended;
      const info = await container.inspect();
      return info.State.ExitCode;
    } finally {
      await container.remove({ force: true, v: true });
    }
  }

  private post(path: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const request = httpRequest({ socketPath: this.socketPath, method: 'POST', path }, (response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
        response.on('end', () => ((response.statusCode ?? 0) < 300 ? resolve(body) : reject(new Error(`POST ${path}: ${response.statusCode ?? '?'} ${body}`))));
        response.on('error', reject);
      });
      request.on('error', reject);
      request.end();
    });
  }
}

const fmt = (ms: number): string => ms.toFixed(1).padStart(7);

function summary(label: string, samples: readonly Sample[]): string {
  const walls = samples.map((sample) => sample.wallMs);
  return `  ${label.padEnd(21)} median ${fmt(median(walls))} ms   p90 ${fmt(percentile(walls, 0.9))} ms   min ${fmt(Math.min(...walls))} ms   max ${fmt(Math.max(...walls))} ms`;
}

function callTable(capstan: readonly Sample[], raw: readonly Sample[], libpod: readonly Sample[]): void {
  const kinds = new Set([...capstan, ...raw, ...libpod].flatMap((sample) => sample.calls.map((call) => call.what)));
  const describe = (samples: readonly Sample[], kind: string): string => {
    const calls = samples.flatMap((sample) => sample.calls.filter((call) => call.what === kind));
    if (calls.length === 0) return `${'-'.padStart(6)} ${''.padStart(10)}`;
    const ms = median(calls.map((call) => (isAttach(call) ? call.headers : call.end) - call.start));
    return `${(calls.length / samples.length).toFixed(2).padStart(6)} ${fmt(ms)} ms`;
  };
  console.log('\nAPI calls: how many per task, and the median time from the request to the end of its response (attach: to its headers)');
  console.log(`  ${'call'.padEnd(42)} ${'capstan'.padStart(17)}   ${'raw API'.padStart(17)}   ${'raw, libpod wait'.padStart(17)}`);
  for (const kind of [...kinds].sort()) console.log(`  ${kind.padEnd(42)} ${describe(capstan, kind)}   ${describe(raw, kind)}   ${describe(libpod, kind)}`);
}

async function main(): Promise<void> {
  const tasks = Number(process.argv[2] ?? 30);
  const warmUp = Number(process.argv[3] ?? 3);
  const wiring = await wirePodmanEngine();
  const task = parseTask({ name: 'overhead', command: 'true', requirements: { container: IMAGE }, hints: { shell: 'sh' } });
  const raw = await RawPodman.create(wiring, task);
  const tracer = new ApiCallTracer();
  const probe = await wiring.backend.probe();
  const endpoint = wiring.backend.client.endpoint;
  console.log(machineLine());
  console.log(`${probe.version ?? '?'} at ${endpoint.kind === 'unix' ? endpoint.socketPath : endpoint.description}; runtime ${String(probe.details['ociRuntime'])}, cgroup v${String(probe.details['cgroupVersion'])}; image ${IMAGE}, network none, command "true"`);
  console.log(`podman run arm (cwd ${raw.cwd}; --name and labels fresh each time):\n  podman ${raw.cliArgs().map(shellQuote).join(' ')}`);

  const timed = async (work: () => Promise<PhaseTimes | undefined>): Promise<Sample> => {
    tracer.clear();
    const start = performance.now();
    const phases = await work();
    const end = performance.now();
    const calls = tracer.between(start, end);
    return { wallMs: end - start, offServiceMs: end - start - coveredMs(calls, start, end), calls, ...(phases === undefined ? {} : { phases }) };
  };
  const arms: Array<{ readonly name: ArmName; readonly run: () => Promise<Sample> }> = [
    {
      name: 'capstan',
      run: () =>
        timed(async () => {
          const result: TaskResult = await wiring.engine.run(task);
          if (result.state !== 'succeeded') throw new Error(`capstan task ${result.state}: ${JSON.stringify(result.error ?? result.attempts)}`);
          return result.phases;
        }),
    },
    {
      name: 'podman run --rm',
      run: () =>
        timed(async () => {
          const end = await runProgram('podman', raw.cliArgs(), raw.cwd, process.env as Record<string, string>);
          if (end.code !== 0) throw new Error(`podman run exited ${end.code ?? end.signal}: ${end.stderr}`);
          return undefined;
        }),
    },
    {
      name: 'raw API',
      run: () =>
        timed(async () => {
          const code = await raw.runApi();
          if (code !== 0) throw new Error(`raw API container exited ${code}`);
          return undefined;
        }),
    },
    {
      name: 'raw API, libpod wait',
      run: () =>
        timed(async () => {
          const code = await raw.runApi('libpod');
          if (code !== 0) throw new Error(`raw API container exited ${code}`);
          return undefined;
        }),
    },
  ];
  console.log(`${tasks} tasks per arm (${arms.map((arm) => arm.name).join(' / ')}), interleaved in rounds whose order rotates, after ${warmUp} warm-up rounds`);

  tracer.start();
  for (let round = 0; round < warmUp; round++) for (const arm of arms) await arm.run();
  const samples = new Map<ArmName, Sample[]>(arms.map((arm) => [arm.name, []]));
  for (let round = 0; round < tasks; round++) {
    for (let index = 0; index < arms.length; index++) {
      const arm = arms[(round + index) % arms.length];
      if (arm !== undefined) samples.get(arm.name)?.push(await arm.run());
    }
  }
  tracer.stop();
  console.log(`load average at the end: ${machineLine().split('load average ')[1] ?? '?'}`);

  const of = (name: ArmName): Sample[] => samples.get(name) ?? [];
  const wallMedian = (name: ArmName): number => median(of(name).map((sample) => sample.wallMs));
  console.log('\nPer-task wall time');
  for (const arm of arms) console.log(summary(arm.name, of(arm.name)));
  for (const against of ['podman run --rm', 'raw API', 'raw API, libpod wait'] as const) {
    const ratio = wallMedian('capstan') / wallMedian(against);
    const pairs = of('capstan').map((sample, index) => sample.wallMs / (of(against)[index]?.wallMs ?? Number.NaN));
    console.log(
      `  median ratio capstan / ${against}: ${ratio.toFixed(3)} (target <= ${TARGET_RATIO}: ${ratio <= TARGET_RATIO ? 'meets' : 'MISSES'}); ` +
        `per-round ratios: median ${median(pairs).toFixed(3)}, p10 ${percentile(pairs, 0.1).toFixed(3)}, p90 ${percentile(pairs, 0.9).toFixed(3)}; ` +
        `difference of medians ${(wallMedian('capstan') - wallMedian(against)).toFixed(1)} ms`,
    );
  }

  console.log('\nWhere the time goes (medians over the measured tasks)');
  console.log(
    `  with no API call in flight: capstan ${fmt(median(of('capstan').map((sample) => sample.offServiceMs)))} ms   raw API ${fmt(median(of('raw API').map((sample) => sample.offServiceMs)))} ms`,
  );
  const keys: ReadonlyArray<keyof PhaseTimes> = ['resolveMs', 'queueMs', 'stageMs', 'runMs', 'collectMs', 'cleanupMs', 'totalMs'];
  const phase = (key: keyof PhaseTimes): number => median(of('capstan').map((sample) => sample.phases?.[key] ?? Number.NaN));
  console.log(`  engine phases (TaskResult.phases): ${keys.map((key) => `${key.replace(/Ms$/, '')} ${phase(key).toFixed(2)}`).join(', ')} ms`);
  const unphased = of('capstan').map((sample) => {
    const phases = sample.phases;
    return phases === undefined ? Number.NaN : phases.totalMs - (phases.resolveMs + phases.queueMs + phases.stageMs + phases.runMs + phases.collectMs + phases.cleanupMs);
  });
  console.log(`  in no phase (attempt folder creation, events): median ${median(unphased).toFixed(2)} ms, p90 ${percentile(unphased, 0.9).toFixed(2)} ms`);
  callTable(of('capstan'), of('raw API'), of('raw API, libpod wait'));

  wiring.engine.close();
  await rm(wiring.workRoot, { recursive: true, force: true });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
