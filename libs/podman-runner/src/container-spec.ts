import { CapstanError, ErrorCode, type ExecutionRequest, GUEST_COMMAND_FILE, GUEST_WORK_DIR } from '@capstan/core-constraints';
import { type ContainerCreateSpec, type DiskFolder } from '@capstan/docker-api';
import { type PodmanBackendOptions } from './podman-backend-options';

/** The smallest memory limit Podman accepts (as Docker). */
export const MIN_PODMAN_MEMORY_BYTES = 6 * 1024 * 1024;
const CPU_SHARES_PER_CPU = 1024;
const MIN_CPU_SHARES = 2;

export interface PodmanContainerPlan {
  readonly request: ExecutionRequest;
  readonly image: string;
  readonly options: Pick<PodmanBackendOptions, 'memoryLimit' | 'pidsLimit' | 'network' | 'init'>;
  /** `uid:gid`, or undefined for the image's own user (or keep-id's). */
  readonly user: string | undefined;
  /** `keep-id`, or undefined for the service's default. */
  readonly userns: 'keep-id' | undefined;
  readonly disks: readonly DiskFolder[];
}

/** The hard memory limit in bytes (0 for none): `max_memory`, else the request under `memoryLimit: 'request'`. */
export function podmanMemoryLimitBytes(request: ExecutionRequest, memoryLimit: PodmanBackendOptions['memoryLimit']): number {
  const limit = request.constraints.memoryLimit ?? (memoryLimit === 'request' ? request.constraints.memory : 0);
  return limit === 0 ? 0 : Math.max(limit, MIN_PODMAN_MEMORY_BYTES);
}

/**
 * The container for one attempt, through Podman's Docker-compatible create. The same layout as the docker backend's
 * (shell running the command file in /mnt/task/work, inputs and command file read-only, the request as the memory
 * limit, cpu shares and `max_cpu` as a quota, output read by attaching so no log is kept), with what Podman needs
 * said explicitly:
 * - `PidsLimit: -1` for no limit: leaving it out gives containers.conf's `pids_limit` (2048), not "unlimited";
 * - `UsernsMode: keep-id` under a rootless service, so the task runs as the service's user;
 * - no `DeviceRequests`: this backend offers no GPUs (Podman 4.x's compat API does not turn them into CDI devices).
 */
export function buildPodmanContainerSpec(plan: PodmanContainerPlan): ContainerCreateSpec {
  const { request, options } = plan;
  const { constraints } = request;
  if (constraints.gpu > 0) {
    throw new CapstanError(ErrorCode.AcceleratorUnavailable, `the podman backend gives no GPUs, and the task needs ${constraints.gpu}; run it on the docker backend`, {
      path: 'requirements.gpu',
    });
  }
  const memory = podmanMemoryLimitBytes(request, options.memoryLimit);
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
      PidsLimit: options.pidsLimit ?? -1,
      ...(plan.userns === undefined ? {} : { UsernsMode: plan.userns }),
      Privileged: false,
      SecurityOpt: ['no-new-privileges'],
      Init: options.init,
      LogConfig: { Type: 'none', Config: {} },
      AutoRemove: false,
    },
  };
}
