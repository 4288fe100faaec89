import { CapstanError, ErrorCode, type ExecutionRequest } from '@capstan/core-constraints';
import { type ContainerCreateSpec } from '@capstan/docker-api';
import { attemptLogConfig, buildAttemptContainerSpec, podmanFileLog, type DiskFolder, MIN_MEMORY_LIMIT_BYTES } from '@capstan/docker-api/internal';
import { type PodmanBackendOptions } from './podman-backend-options';

/** The smallest memory limit Podman accepts (as Docker). */
export const MIN_PODMAN_MEMORY_BYTES = MIN_MEMORY_LIMIT_BYTES;

export interface PodmanContainerPlan {
  readonly request: ExecutionRequest;
  readonly image: string;
  readonly options: Pick<PodmanBackendOptions, 'memoryLimit' | 'pidsLimit' | 'network' | 'init' | 'capDrop' | 'logCopy' | 'logCopyMaxBytes'>;
  /** `uid:gid`, or undefined for the image's own user (or keep-id's). */
  readonly user: string | undefined;
  /** `keep-id`, or undefined for the service's default. */
  readonly userns: 'keep-id' | undefined;
  readonly disks: readonly DiskFolder[];
}

/**
 * The container for one attempt, through Podman's Docker-compatible create. The same layout as the docker backend's
 * (shell running the command file in /mnt/task/work, inputs and command file read-only, the request as the memory
 * limit, cpu shares and `max_cpu` as a quota, output read by attaching; a bounded `k8s-file` copy only where a later
 * process may take the container over), with what Podman needs
 * said explicitly:
 * - `PidsLimit: -1` for no limit: leaving it out gives containers.conf's `pids_limit` (2048), not "unlimited";
 * - `UsernsMode: keep-id` under a rootless service, so the task runs as the service's user;
 * - no `DeviceRequests`: this backend offers no GPUs (Podman 4.x's compat API does not turn them into CDI devices).
 */
export function buildPodmanContainerSpec(plan: PodmanContainerPlan): ContainerCreateSpec {
  const { request, options } = plan;
  if (request.constraints.gpu > 0) {
    throw new CapstanError(ErrorCode.AcceleratorUnavailable, `the podman backend gives no GPUs, and the task needs ${request.constraints.gpu}; run it on the docker backend`, {
      path: 'requirements.gpu',
    });
  }
  return buildAttemptContainerSpec({
    request,
    image: plan.image,
    disks: plan.disks,
    memoryLimit: options.memoryLimit,
    network: options.network,
    init: options.init,
    pidsLimit: options.pidsLimit ?? -1,
    user: plan.user,
    userns: plan.userns,
    gpuDeviceRequests: false,
    capDrop: options.capDrop,
    logConfig: attemptLogConfig(plan.request, options.logCopy, options.logCopyMaxBytes, podmanFileLog),
  });
}
