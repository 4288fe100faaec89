import { type ExecutionRequest, GUEST_COMMAND_FILE, GUEST_WORK_DIR } from '@capstan/core-constraints';
import { type ContainerCreateSpec } from './docker-client';
import { type DiskFolder } from './extra-disks';
import { type LogConfig, NO_LOG_COPY } from './log-copy';

/** The smallest memory limit Docker (and Podman) accept. */
export const MIN_MEMORY_LIMIT_BYTES = 6 * 1024 * 1024;
const CPU_SHARES_PER_CPU = 1024;
/** CpuShares below 2 are refused by the kernel. */
const MIN_CPU_SHARES = 2;

/** Where no `max_memory` hint gives a limit: the request is the hard limit (`request`), or there is none. */
export type MemoryLimitSource = 'request' | 'none';

/** The hard memory limit for an attempt in bytes, 0 for none; raised to what the engine accepts at the least. */
export function memoryLimitBytes(request: ExecutionRequest, source: MemoryLimitSource): number {
  const limit = request.constraints.memoryLimit ?? (source === 'request' ? request.constraints.memory : 0);
  return limit === 0 ? 0 : Math.max(limit, MIN_MEMORY_LIMIT_BYTES);
}

export interface AttemptContainerPlan {
  readonly request: ExecutionRequest;
  readonly image: string;
  readonly disks: readonly DiskFolder[];
  readonly memoryLimit: MemoryLimitSource;
  readonly network: string;
  readonly init: boolean;
  /** Sent as given; undefined leaves the engine's default. */
  readonly pidsLimit: number | undefined;
  /** `uid:gid`, a user name, or undefined for the image's own user. */
  readonly user: string | undefined;
  /** e.g. `keep-id` for rootless Podman; undefined for the engine's default. */
  readonly userns?: string | undefined;
  /** Whether GPUs are given through `DeviceRequests` (Docker's NVIDIA path). */
  readonly gpuDeviceRequests: boolean;
  /** Capabilities taken from the container (see `DEFAULT_CAP_DROP`). */
  readonly capDrop: readonly string[];
  /** The engine's own copy of the output (see `attemptLogConfig`); none when absent. */
  readonly logConfig?: LogConfig | undefined;
}

/**
 * The container for one attempt through the Docker Engine API (Docker, and Podman's compatible API): the shell runs
 * the command file in `/mnt/task/work`, the image's entrypoint cleared; the work dir is the only writable bind
 * besides the extra disks; inputs and the command file are read-only. Memory: the request is reserved and (see
 * {@link memoryLimitBytes}) limited, swap is not given beyond the limit, so an out-of-memory kill is real and
 * reported. CPU: the request as shares (1024 per CPU), `max_cpu` as a hard quota. Output is read by attaching; the
 * engine keeps a bounded copy only when `logConfig` asks (a later process may need it), else none. Never privileged; `no-new-privileges`; the capabilities in
 * `capDrop` taken away. Only the attempt's own folders and its declared inputs are bound: never the engine's socket.
 */
export function buildAttemptContainerSpec(plan: AttemptContainerPlan): ContainerCreateSpec {
  const { request } = plan;
  const { constraints } = request;
  const memory = memoryLimitBytes(request, plan.memoryLimit);
  const binds = [
    `${request.paths.workDir}:${GUEST_WORK_DIR}:rw`,
    `${request.paths.commandFile}:${GUEST_COMMAND_FILE}:ro`,
    ...request.inputs.map((input) => `${input.hostPath}:${input.guestPath}:${input.writable === true ? 'rw' : 'ro'}`),
    ...plan.disks.map((disk) => `${disk.hostPath}:${disk.mountPoint}:rw`),
  ];
  return {
    name: request.attemptName,
    Image: plan.image,
    Entrypoint: [],
    Cmd: [request.shell, GUEST_COMMAND_FILE],
    WorkingDir: GUEST_WORK_DIR,
    Env: Object.entries(request.env).map(([key, value]) => `${key}=${value}`),
    Labels: { ...request.labels },
    ...(plan.user === undefined ? {} : { User: plan.user }),
    AttachStdin: false,
    AttachStdout: true,
    AttachStderr: true,
    Tty: false,
    OpenStdin: false,
    HostConfig: {
      Binds: binds,
      NetworkMode: plan.network,
      Memory: memory,
      MemorySwap: memory === 0 ? 0 : memory,
      MemoryReservation: memory === 0 ? constraints.memory : Math.min(constraints.memory, memory),
      CpuShares: Math.max(MIN_CPU_SHARES, Math.round(constraints.cpu * CPU_SHARES_PER_CPU)),
      ...(constraints.cpuLimit === null ? {} : { NanoCpus: Math.round(constraints.cpuLimit * 1e9) }),
      ...(plan.gpuDeviceRequests && constraints.gpu > 0 ? { DeviceRequests: [{ Driver: '', Count: constraints.gpu, Capabilities: [['gpu']] }] } : {}),
      ...(plan.pidsLimit === undefined ? {} : { PidsLimit: plan.pidsLimit }),
      ...(plan.userns === undefined ? {} : { UsernsMode: plan.userns }),
      Privileged: false,
      SecurityOpt: ['no-new-privileges'],
      ...(plan.capDrop.length === 0 ? {} : { CapDrop: [...plan.capDrop] }),
      Init: plan.init,
      LogConfig: plan.logConfig ?? NO_LOG_COPY,
      AutoRemove: false,
    },
  };
}
