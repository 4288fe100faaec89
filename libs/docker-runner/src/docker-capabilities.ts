import { type BackendCapabilities } from '@capstan/core-constraints';

/** What the docker backend enforces; see the README for the reasoning behind each. */
export const DOCKER_CAPABILITIES: BackendCapabilities = {
  containerKinds: ['docker'],
  runsContainers: true,
  enforcesMemoryLimit: true,
  enforcesCpuLimit: true,
  gpus: true,
  readOnlyInputs: true,
  networkIsolation: true,
  runsAsInvokingUser: true,
  // Extra disks are host folders; Docker cannot cap a bind mount's size.
  enforcesDiskSize: false,
  schedulesItself: false,
  // The stats API, by container id, while it runs (the cgroup is gone once it ended).
  usage: 'sampled',
};

/**
 * In swarm mode (`docker.swarm` on, or auto on a manager) the swarm places tasks by their reservations, so Capstan
 * admits every task at once (the resource manager runs unlimited). Services cannot join the `none` network.
 */
export const SWARM_CAPABILITIES: BackendCapabilities = {
  ...DOCKER_CAPABILITIES,
  networkIsolation: false,
  schedulesItself: true,
  // A service's task container may run on another node; nothing reads its stats yet.
  usage: 'unavailable',
};
