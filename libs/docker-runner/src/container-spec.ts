import { type ExecutionRequest } from '@capstan/core-constraints';
import { type ContainerCreateSpec } from '@capstan/docker-api';
import { attemptLogConfig, buildAttemptContainerSpec, dockerLocalLog, type DiskFolder, MIN_MEMORY_LIMIT_BYTES } from '@capstan/docker-api/internal';
import { type DockerBackendOptions } from './docker-backend-options';

/** The smallest memory limit the Docker daemon accepts. */
export const MIN_DOCKER_MEMORY_BYTES = MIN_MEMORY_LIMIT_BYTES;

export interface ContainerPlan {
  readonly request: ExecutionRequest;
  readonly image: string;
  readonly options: Pick<DockerBackendOptions, 'memoryLimit' | 'pidsLimit' | 'network' | 'init' | 'capDrop' | 'logCopy' | 'logCopyMaxBytes'>;
  /** `uid:gid`, a user name, or undefined for the image's own user. */
  readonly user: string | undefined;
  readonly disks: readonly DiskFolder[];
}

/** The container for one attempt: the layout shared with every Docker-API engine, with Docker's GPU device requests. */
export function buildContainerSpec(plan: ContainerPlan): ContainerCreateSpec {
  const { options } = plan;
  return buildAttemptContainerSpec({
    request: plan.request,
    image: plan.image,
    disks: plan.disks,
    memoryLimit: options.memoryLimit,
    network: options.network,
    init: options.init,
    pidsLimit: options.pidsLimit ?? undefined,
    user: plan.user,
    gpuDeviceRequests: true,
    capDrop: options.capDrop,
    logConfig: attemptLogConfig(plan.request, options.logCopy, options.logCopyMaxBytes, dockerLocalLog),
  });
}
