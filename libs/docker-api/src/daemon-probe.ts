import { countNvidiaDevices, type GpuCounter } from '@capstan/support';
import { type DockerClient } from './docker-client';

/** What a daemon says about itself and the machine it runs on. */
export interface DaemonFacts {
  /** e.g. "Docker Engine 20.10.24, API 1.41". */
  readonly version: string;
  readonly apiVersion: string;
  readonly cpus: number;
  readonly memoryBytes: number;
  /** An `nvidia` runtime is registered with the daemon. */
  readonly nvidiaRuntime: boolean;
  /** GPUs tasks can be given: the NVIDIA devices on this host when the runtime is there and the daemon is local. */
  readonly gpus: number;
  /** Swarm's `LocalNodeState`: `inactive`, `active`, `pending`, `error`, `locked`. */
  readonly swarm: string;
  readonly cgroupVersion: string;
  readonly cgroupDriver: string;
  readonly operatingSystem: string;
  readonly endpoint: string;
}

/** Asks the daemon for its version and resources (two API calls). */
export async function probeDaemon(client: DockerClient, signal?: AbortSignal, countGpus: GpuCounter = () => countNvidiaDevices()): Promise<DaemonFacts> {
  const [version, info] = await Promise.all([client.version(signal), client.info(signal)]);
  const component = version.Components?.find((item) => /engine/i.test(item.Name))?.Name;
  const engine = component === undefined || component === 'Engine' ? 'Docker Engine' : component;
  const nvidiaRuntime = Object.keys(info.Runtimes ?? {}).some((name) => name.toLowerCase().includes('nvidia'));
  return {
    version: `${engine} ${version.Version}, API ${version.ApiVersion}`,
    apiVersion: version.ApiVersion,
    cpus: info.NCPU,
    memoryBytes: info.MemTotal,
    nvidiaRuntime,
    gpus: nvidiaRuntime && client.endpoint.kind === 'unix' ? countGpus() : 0,
    swarm: info.Swarm?.LocalNodeState ?? 'inactive',
    cgroupVersion: info.CgroupVersion ?? '1',
    cgroupDriver: info.CgroupDriver ?? '',
    operatingSystem: info.OperatingSystem ?? '',
    endpoint: client.endpoint.description,
  };
}
