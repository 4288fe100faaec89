// Shared pieces of the Apptainer benchmarks (apptainer-overhead, sif-storm): an engine wired on the real
// ApptainerBackend the way libs/wiring/src/wire.ts wires it, the backend's own `apptainer exec` command line
// run straight from this process (optionally inside a cgroup made by hand, as the backend makes one), and the local
// registry (credentials, fresh tags pushed with docker, its access log). Not a test: nothing here asserts a time.
import {
  ApptainerBackend,
  type ApptainerBackendOptionsInput,
  buildExecPlan,
  type CliVersion,
  probeVersion,
  registerApptainerBackend,
  toRemoteImage,
} from '@capstan/apptainer-runner';
import { type AttemptPaths, type Backend, BackendRegistry, type ExecutionRequest, parseContainerSource, parseTask, type Task } from '@capstan/core-constraints';
import { EngineOptions, TaskEngine } from '@capstan/engine';
import { capstanLabels, NameGenerator } from '@capstan/naming';
import { shellQuote } from '@capstan/support';
import { registerResourceManager, type ResourceLedger } from '@capstan/resource-manager';
import { execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, rmdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { container as rootContainer } from 'tsyringe';

export const BUSYBOX_SIF = '/var/lib/capstan/test-images/busybox.sif';
export const REGISTRY_LOG = '/var/log/capstan/registry.log';
export const REGISTRY_CREDENTIALS = '/var/lib/capstan/registry/credentials.env';
/** The local image tools/engines/test-images.sh builds; registry.sh pushes it as <registry>/capstan/busybox:1. */
export const LOCAL_DOCKER_IMAGE = 'capstan-test/busybox:1';
export const REGISTRY_REPOSITORY = 'capstan/busybox';

/** The backend's limit floor (MIN_APPTAINER_MEMORY_BYTES in apptainer-backend.ts): Apptainer's runtime lives in the cgroup too. */
const MIN_APPTAINER_MEMORY_BYTES = 32 * 1024 * 1024;
/**
 * The text of JOIN_SCRIPT in libs/apptainer-runner/src/cgroups.ts (not exported): `sh -c SCRIPT capstan-cgroup
 * PROCS... -- PROGRAM ARGS...` writes its own pid to each cgroup.procs, then execs the program.
 */
const JOIN_SCRIPT = `while [ "$1" != -- ]; do echo $$ > "$1" || { echo "capstan: could not join the cgroup $1" >&2; exit 125; }; shift; done; shift; exec "$@"`;

export interface ApptainerWiring {
  readonly engine: TaskEngine;
  readonly backend: ApptainerBackend;
  readonly ledger: ResourceLedger;
  readonly workRoot: string;
  /** Removes the work root (every attempt folder of the run). */
  dispose(): Promise<void>;
}

/**
 * What `wire()` in libs/wiring/src/wire.ts does for `backend: apptainer`, with the configuration's defaults
 * (shell bash, limits deny, retention keep) and a throw-away work root. The backend comes from
 * `registerApptainerBackend` with the options given (the benchmarks set network none and their own cache folder).
 */
export async function wireApptainerEngine(options: ApptainerBackendOptionsInput): Promise<ApptainerWiring> {
  const workRoot = await mkdtemp(join(tmpdir(), 'capstan-bench-apptainer-'));
  const container = rootContainer.createChildContainer();
  registerApptainerBackend(container, options);
  const registry = BackendRegistry.fromContainer(container);
  container.registerInstance(BackendRegistry, registry);
  const backend: Backend = registry.get('apptainer');
  if (!(backend instanceof ApptainerBackend)) throw new Error('the apptainer backend is not an ApptainerBackend');
  const probe = await backend.probe();
  if (!probe.available) throw new Error(`Apptainer is not usable: ${probe.problems.join('; ')} (install it with: bash tools/engines/apptainer.sh)`);
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

/** A task as a task file would give it: one image, `sh` (busybox has no bash), the default 1 cpu and 2 GiB. */
export function apptainerTask(name: string, command: string, image: string): Task {
  return parseTask({ name, command, requirements: { container: image }, hints: { shell: 'sh' } });
}

/** Where the SIF cache keeps a docker://, library:// or oras:// image once converted (`<cacheDir>/<key>.sif`). */
export function cachedSifPath(cacheDir: string, uri: string): string {
  return join(cacheDir, `${toRemoteImage(parseContainerSource(uri)).key}.sif`);
}

export interface ProcessEnd {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** The last 2,000 characters of stderr (for error messages; stdout is read and dropped). */
  readonly stderr: string;
}

/** Spawns a program with stdout and stderr piped (read as they come, as the backend does) and waits until it and its pipes are done. */
export function runProgram(program: string, args: readonly string[], cwd: string, env: Readonly<Record<string, string>>): Promise<ProcessEnd> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, [...args], { cwd, env: { ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stdout.resume();
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-2000);
    });
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stderr }));
  });
}

/**
 * The backend's own command line for one task, run straight from this process: `buildExecPlan` of
 * @capstan/apptainer-runner with the backend's options, flavour and privileges, the engine's resolution of the task
 * (`engine.plan`), and the environment the backend gives the apptainer process (the `passEnv` variables of this
 * process, PATH defaulted, plus the plan's task variables). The bound folder (command file, work dir) is made once,
 * before any timing; making it per attempt is part of what the engine's time includes.
 *
 * `run()` is the bare CLI. `runInCgroup()` first makes a cgroup as the backend does (same folders below the same
 * parent, the same limit files), starts apptainer through the same `sh -c JOIN_SCRIPT` wrapper the backend uses when
 * no spare is ready (and with `spares: 0`), then reads the OOM count and the members and removes the cgroup, so the
 * cost of joining a cgroup on the task's path can be told from the rest of Capstan's.
 */
export class RawApptainerRunner {
  private cgroupSerial = 0;
  /** How often removing a cgroup found it still busy (EBUSY) and waited 50 ms to retry, as AttemptCgroup.remove would. */
  busyRetries = 0;

  private constructor(
    readonly backend: ApptainerBackend,
    readonly args: readonly string[],
    readonly env: Readonly<Record<string, string>>,
    readonly cwd: string,
    private readonly memoryLimitBytes: number | null,
    private readonly cpuShares: number,
  ) {}

  /** Resolves the task as the engine would, builds the backend's exec plan for `image` (a SIF path), and prepares the bound folder under `root`. */
  static async create(wiring: ApptainerWiring, task: Task, image: string, root: string): Promise<RawApptainerRunner> {
    const backend = wiring.backend;
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
    const attemptName = new NameGenerator().next(`raw-${task.name}`);
    const request: ExecutionRequest = {
      runId: wiring.engine.runId,
      taskName: task.name,
      attemptName,
      attempt: 1,
      shell: 'sh',
      paths,
      inputs: [],
      env: task.env,
      constraints: plan.resolution.constraints,
      labels: capstanLabels({ runId: wiring.engine.runId, taskName: task.name, uniqueName: attemptName, attempt: 1 }),
    };
    const baseEnv = backendEnvironment(backend);
    const version: CliVersion = await probeVersion(backend.options.binary, baseEnv);
    const exec = buildExecPlan({ request, image, options: backend.options, flavour: version.flavour, privileges: backend.privileges, disks: [] });
    const constraints = plan.resolution.constraints;
    const wanted = constraints.memoryLimit ?? (backend.options.memoryLimit === 'request' ? constraints.memory : null);
    const memoryLimit = wanted === null || wanted === 0 ? null : Math.max(wanted, MIN_APPTAINER_MEMORY_BYTES);
    return new RawApptainerRunner(backend, exec.args, { ...baseEnv, ...exec.env }, paths.workDir, memoryLimit, Math.max(2, Math.round(constraints.cpu * 1024)));
  }

  /** The command line as a shell would take it (environment aside). */
  commandLine(): string {
    return [this.backend.options.binary, ...this.args].map(shellQuote).join(' ');
  }

  async run(): Promise<ProcessEnd> {
    return runProgram(this.backend.options.binary, this.args, this.cwd, this.env);
  }

  /**
   * The same (or `command`), in a fresh cgroup made, joined and removed as the backend does it (cgroup v1 or v2):
   * `/bin/sh -c JOIN_SCRIPT capstan-cgroup <procs...> -- COMMAND...`.
   */
  async runInCgroup(command: readonly string[] = [this.backend.options.binary, ...this.args]): Promise<ProcessEnd> {
    const support = this.backend.cgroups;
    if (!support.usable || support.version === null) throw new Error(`no usable cgroups: ${support.description}`);
    const name = `bench-raw-${(this.cgroupSerial += 1)}.${process.pid}`;
    const folders = support.version === 1 ? [join(support.root, 'memory', support.parent, name), join(support.root, 'cpu', support.parent, name)] : [join(support.root, support.parent, name)];
    for (const folder of folders) await mkdir(folder, { recursive: true });
    const [memoryFolder = '', cpuFolder = memoryFolder] = folders;
    try {
      if (support.version === 1) {
        if (this.memoryLimitBytes !== null) {
          await writeFile(join(memoryFolder, 'memory.limit_in_bytes'), String(this.memoryLimitBytes));
          if (existsSync(join(memoryFolder, 'memory.memsw.limit_in_bytes'))) await writeFile(join(memoryFolder, 'memory.memsw.limit_in_bytes'), String(this.memoryLimitBytes));
        }
        await writeFile(join(cpuFolder, 'cpu.shares'), String(this.cpuShares));
      } else {
        if (this.memoryLimitBytes !== null) await writeFile(join(memoryFolder, 'memory.max'), String(this.memoryLimitBytes));
        await writeFile(join(memoryFolder, 'cpu.weight'), String(Math.round(1 + ((this.cpuShares - 2) * 9999) / 262142)));
      }
      const procs = folders.map((folder) => join(folder, 'cgroup.procs'));
      const end = await runProgram('/bin/sh', joinScriptArgs(procs, command), this.cwd, this.env);
      await readFile(join(memoryFolder, support.version === 1 ? 'memory.oom_control' : 'memory.events'), 'utf8');
      await readFile(join(memoryFolder, 'cgroup.procs'), 'utf8');
      return end;
    } finally {
      for (const folder of folders) this.busyRetries += await removeCgroup(folder);
    }
  }
}

/** The arguments of `/bin/sh` that join each cgroup.procs file given (none: join nothing), then exec `command`. */
export function joinScriptArgs(procs: readonly string[], command: readonly string[]): string[] {
  return ['-c', JOIN_SCRIPT, 'capstan-cgroup', ...procs, '--', ...command];
}

/** rmdir, retried every 50 ms while the kernel still counts a leaving process (EBUSY), as AttemptCgroup.remove does; returns the retries. */
async function removeCgroup(folder: string): Promise<number> {
  const deadline = Date.now() + 3_000;
  for (let retries = 0; ; retries += 1) {
    try {
      await rmdir(folder);
      return retries;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return retries;
      if (code !== 'EBUSY' || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

/** The environment the backend gives the apptainer process: its `passEnv` variables from this process, PATH defaulted. */
export function backendEnvironment(backend: ApptainerBackend): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of backend.options.passEnv) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  env['PATH'] ??= '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
  return env;
}


export interface LocalRegistry {
  /** `127.0.0.1:5000` */
  readonly registry: string;
  readonly username: string;
  readonly password: string;
}

/** The registry tools/engines/registry.sh runs, from its credentials file. */
export function localRegistry(file = REGISTRY_CREDENTIALS): LocalRegistry {
  const values = new Map(
    readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => line.includes('='))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1).trim()] as const),
  );
  const registry = values.get('REGISTRY');
  const username = values.get('REGISTRY_USER');
  const password = values.get('REGISTRY_PASSWORD');
  if (registry === undefined || username === undefined || password === undefined) throw new Error(`${file} lacks REGISTRY, REGISTRY_USER or REGISTRY_PASSWORD (run tools/engines/registry.sh)`);
  return { registry, username, password };
}

/**
 * Pushes the local test image under a new tag (`<registry>/capstan/busybox:<tag>`) with docker, logged in through a
 * throw-away DOCKER_CONFIG as tools/engines/registry.sh does (~/.docker is never touched), then drops the local tag.
 * The blobs are in the registry already, so only the manifest is new: nothing has ever pulled this tag.
 */
export async function pushFreshTag(registry: LocalRegistry, tag: string): Promise<string> {
  const target = `${registry.registry}/${REGISTRY_REPOSITORY}:${tag}`;
  const config = await mkdtemp(join(tmpdir(), 'capstan-bench-docker-config-'));
  const env = { ...process.env, DOCKER_CONFIG: config };
  try {
    await new Promise<void>((resolve, reject) => {
      const login = execFile('docker', ['login', '-u', registry.username, '--password-stdin', registry.registry], { env }, (error) =>
        error === null ? resolve() : reject(new Error(`docker login ${registry.registry} failed: ${error.message}`)),
      );
      login.stdin?.end(registry.password);
    });
    await promisify(execFile)('docker', ['tag', LOCAL_DOCKER_IMAGE, target], { env });
    await promisify(execFile)('docker', ['push', target], { env });
    await promisify(execFile)('docker', ['rmi', target], { env });
  } finally {
    await rm(config, { recursive: true, force: true });
  }
  return target;
}

/** Successful requests in the registry's access log whose request line is exactly `METHOD PATH`. */
export function registryRequests(requestLine: string, file = REGISTRY_LOG): number {
  const needle = `"${requestLine} HTTP/1.1" 200`;
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.includes(needle)).length;
}

/** `GET /v2/capstan/busybox/manifests/<tag>` answered 200: one per pull that fetched the image's manifest. */
export const manifestGets = (tag: string): number => registryRequests(`GET /v2/${REGISTRY_REPOSITORY}/manifests/${tag}`);
