import { type BackendCapabilities } from '@capstan/core-constraints';
import { type NodeRuntime } from './node-runtime';

export interface NodeCapabilitySettings {
  readonly runtime: NodeRuntime;
  readonly network: 'default' | 'none';
  /** What the cluster itself confines (its cgroups): all an Apptainer job is held by. */
  readonly clusterLimits: { readonly memory: boolean; readonly cpu: boolean };
  readonly usage: BackendCapabilities['usage'];
}

/** What a scheduler backend whose jobs run the task in a container on a node can promise. */
export function nodeJobCapabilities(settings: NodeCapabilitySettings): BackendCapabilities {
  const apptainer = settings.runtime === 'apptainer';
  return {
    containerKinds: apptainer ? ['docker', 'library', 'oras', 'sif'] : ['docker'],
    runsContainers: true,
    // Docker and Podman limit their containers themselves; an Apptainer job is held only by the cluster's cgroups.
    enforcesMemoryLimit: apptainer ? settings.clusterLimits.memory : true,
    enforcesCpuLimit: apptainer ? settings.clusterLimits.cpu : true,
    gpus: true,
    readOnlyInputs: true,
    networkIsolation: settings.network === 'none',
    // Jobs run as the submitting user; Apptainer keeps that user, Docker and Podman are given it (--user uid:gid).
    runsAsInvokingUser: true,
    enforcesDiskSize: false,
    schedulesItself: true,
    usage: settings.usage,
  };
}
