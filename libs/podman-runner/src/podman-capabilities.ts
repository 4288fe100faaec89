import { type BackendCapabilities } from '@capstan/core-constraints';
import { statfsSync } from 'node:fs';

const CGROUP2_SUPER_MAGIC = 0x63677270;

/** What the backend knows of its service when it reports capabilities: the service's facts once probed, else a guess. */
export interface PodmanCapabilityBasis {
  readonly rootless: boolean;
  /** The service's usable cgroup controllers; null before the first probe. */
  readonly cgroupControllers: readonly string[] | null;
}

/** Whether this host mounts cgroup v2 at /sys/fs/cgroup (a hybrid or v1 layout is not). */
export function hostHasCgroupV2(): boolean {
  try {
    return statfsSync('/sys/fs/cgroup').type === CGROUP2_SUPER_MAGIC;
  } catch {
    return false;
  }
}

/**
 * What the podman backend enforces. Limits are enforced where the service can use the cgroup controllers: a rootful
 * service always; a rootless one only on cgroup v2 with the controllers delegated to its user (on cgroup v1 Podman
 * ignores every limit: "Resource limits are not supported and ignored on cgroups V1 rootless systems"). Before the
 * service has been asked, a rootless service is assumed to enforce them only on a cgroup v2 host. No GPUs: Podman
 * 4.x's compat API ignores `DeviceRequests`, and this backend does not offer CDI devices.
 */
export function podmanCapabilities(basis: PodmanCapabilityBasis, cgroupV2: () => boolean = hostHasCgroupV2): BackendCapabilities {
  const controller = (name: string): boolean => (basis.cgroupControllers === null ? !basis.rootless || cgroupV2() : basis.cgroupControllers.includes(name));
  return {
    containerKinds: ['docker'],
    runsContainers: true,
    enforcesMemoryLimit: controller('memory'),
    enforcesCpuLimit: controller('cpu'),
    gpus: false,
    readOnlyInputs: true,
    networkIsolation: true,
    // keep-id (rootless), the invoking uid:gid (rootful, Capstan not root), or a repair container as root.
    runsAsInvokingUser: true,
    // Extra disks are host folders; a bind mount's size cannot be capped.
    enforcesDiskSize: false,
    schedulesItself: false,
    // The stats API reads the container's cgroup: none without the memory controller (rootless on cgroup v1).
    usage: controller('memory') ? 'sampled' : 'unavailable',
  };
}
