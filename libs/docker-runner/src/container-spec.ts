import { type ExecutionRequest, GUEST_COMMAND_FILE, GUEST_WORK_DIR } from '@capstan/core-constraints';
import { type ContainerCreateSpec, type DiskFolder } from '@capstan/docker-api';
import { type DockerBackendOptions } from './docker-backend-options';

/** The smallest memory limit the Docker daemon accepts. */
export const MIN_DOCKER_MEMORY_BYTES = 6 * 1024 * 1024;
const CPU_SHARES_PER_CPU = 1024;
/** CpuShares below 2 are refused by the kernel. */
const MIN_CPU_SHARES = 2;

export interface ContainerPlan {
  readonly request: ExecutionRequest;
  readonly image: string;
  readonly options: Pick<DockerBackendOptions, 'memoryLimit' | 'pidsLimit' | 'network' | 'init'>;
  /** `uid:gid`, a user name, or undefined for the image's own user. */
  readonly user: string | undefined;
  readonly disks: readonly DiskFolder[];
}

/** The hard memory limit in bytes (0 for none): `max_memory`, else the request under `memoryLimit: 'request'`. */
export function memoryLimitBytes(request: ExecutionRequest, memoryLimit: DockerBackendOptions['memoryLimit']): number {
  const limit = request.constraints.memoryLimit ?? (memoryLimit === 'request' ? request.constraints.memory : 0);
  return limit === 0 ? 0 : Math.max(limit, MIN_DOCKER_MEMORY_BYTES);
}

/**
 * The container for one attempt: the shell runs the command file in `/mnt/task/work`, the image's entrypoint
 * cleared; the work dir is the only writable bind besides the extra disks; inputs and the command file are read-only.
 * Memory: the request is reserved and (see {@link memoryLimitBytes}) limited, swap is not given beyond the limit,
 * so an out-of-memory kill is real and reported. CPU: the request as shares (1024 per CPU), `max_cpu` as a hard quota.
 * Output is read by attaching, so the daemon keeps no log copy (`LogConfig: none`).
 */
export function buildContainerSpec(plan: ContainerPlan): ContainerCreateSpec {
  const { request, options } = plan;
  const { constraints } = request;
  const memory = memoryLimitBytes(request, options.memoryLimit);
  const binds = [
    `${request.paths.workDir}:${GUEST_WORK_DIR}:rw`,
    `${request.paths.commandFile}:${GUEST_COMMAND_FILE}:ro`,
    ...request.inputs.map((input) => `${input.hostPath}:${input.guestPath}:ro`),
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
      NetworkMode: options.network,
      Memory: memory,
      MemorySwap: memory === 0 ? 0 : memory,
      MemoryReservation: memory === 0 ? constraints.memory : Math.min(constraints.memory, memory),
      CpuShares: Math.max(MIN_CPU_SHARES, Math.round(constraints.cpu * CPU_SHARES_PER_CPU)),
      ...(constraints.cpuLimit === null ? {} : { NanoCpus: Math.round(constraints.cpuLimit * 1e9) }),
      ...(constraints.gpu > 0 ? { DeviceRequests: [{ Driver: '', Count: constraints.gpu, Capabilities: [['gpu']] }] } : {}),
      ...(options.pidsLimit === null ? {} : { PidsLimit: options.pidsLimit }),
      Privileged: false,
      SecurityOpt: ['no-new-privileges'],
      Init: options.init,
      LogConfig: { Type: 'none', Config: {} },
      AutoRemove: false,
    },
  };
}
