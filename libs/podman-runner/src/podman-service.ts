import { CapstanError, ErrorCode } from '@capstan/core-constraints';
import { type DockerClient, dockerErrorInfo } from '@capstan/docker-api/internal';

/**
 * The conmon wrapper tools/engines/podman.sh installs for Podman 4.x: it starts conmon in the container's bundle
 * folder, where Podman 4.x looks for conmon's OOM marker (conmon writes it to its working directory; podman#13102,
 * fixed in Podman 5.0).
 */
export const CAPSTAN_CONMON_WRAPPER = '/usr/local/libexec/capstan/conmon';

/** What a Podman service says about itself (one `GET /libpod/info`). */
export interface PodmanFacts {
  /** e.g. "Podman 4.3.1 (rootful)". */
  readonly version: string;
  readonly podmanVersion: string;
  readonly cpus: number;
  readonly memoryBytes: number;
  readonly rootless: boolean;
  /** The host uid and gid the service runs as (0 for rootful), which container root and keep-id map to. */
  readonly serviceUid: number;
  readonly serviceGid: number;
  readonly cgroupVersion: string;
  readonly cgroupManager: string;
  /** The cgroup controllers the service can use; a rootless service on cgroup v1 has none (limits are ignored). */
  readonly cgroupControllers: readonly string[];
  readonly ociRuntime: string;
  readonly conmonPath: string;
  readonly storageDriver: string;
  /**
   * Whether the service reports OOM kills (`State.OOMKilled`): Podman 5, or Podman 4 with conmon started in the bundle
   * folder (the wrapper above). Otherwise an OOM kill shows as a plain exit with code 137.
   */
  readonly oomReported: boolean;
  readonly endpoint: string;
}

interface LibpodInfo {
  host?: {
    cpus?: number;
    memTotal?: number;
    cgroupVersion?: string;
    cgroupManager?: string;
    cgroupControllers?: string[] | null;
    ociRuntime?: { name?: string };
    conmon?: { path?: string };
    security?: { rootless?: boolean };
    idMappings?: { uidmap?: Array<{ container_id: number; host_id: number }> | null; gidmap?: Array<{ container_id: number; host_id: number }> | null };
  };
  store?: { graphDriverName?: string };
  version?: { Version?: string };
}

/** The path of Podman's own API (the Docker-compatible one is unversioned or `/v1.41`). */
const LIBPOD_INFO = '/v4.0.0/libpod/info';
const SMALL_CALL_TIMEOUT_MS = 10_000;

/**
 * Asks the service for its facts through Podman's own API, which also tells a Podman service from a Docker daemon
 * answering on the same kind of socket: Docker has no `/libpod/` (404), and that is a `backend.unavailable` error.
 */
export async function probePodman(client: DockerClient, signal?: AbortSignal): Promise<PodmanFacts> {
  const info = await client.call(
    'info',
    (api) =>
      new Promise<LibpodInfo>((resolve, reject) => {
        api.modem.dial(
          {
            path: `${LIBPOD_INFO}?`,
            method: 'GET',
            options: {},
            statusCodes: { 200: true, 404: 'not found', 500: 'server error' },
            abortSignal: signal ?? AbortSignal.timeout(SMALL_CALL_TIMEOUT_MS),
          },
          (error: unknown, data: unknown) => (error ? reject(error) : resolve(data as LibpodInfo)),
        );
      }),
    signal,
  ).catch((error: unknown) => {
    if (error instanceof CapstanError && error.details['statusCode'] === 404) {
      throw new CapstanError(
        ErrorCode.BackendUnavailable,
        `the service at ${client.endpoint.description} answers the Docker API but not Podman's (GET ${LIBPOD_INFO}: ${dockerErrorInfo(error.cause).message}): ` +
          'it is not a Podman service; use the docker backend for it, or point the podman backend at a Podman socket',
        { cause: error, details: { endpoint: client.endpoint.description } },
      );
    }
    throw error;
  });
  const host = info.host ?? {};
  const rootless = host.security?.rootless === true;
  const podmanVersion = info.version?.Version ?? '?';
  const conmonPath = host.conmon?.path ?? '';
  const major = Number(/^(\d+)\./.exec(podmanVersion)?.[1] ?? 0);
  return {
    version: `Podman ${podmanVersion} (${rootless ? 'rootless' : 'rootful'})`,
    podmanVersion,
    cpus: host.cpus ?? 0,
    memoryBytes: host.memTotal ?? 0,
    rootless,
    serviceUid: rootless ? hostIdOfRoot(host.idMappings?.uidmap) : 0,
    serviceGid: rootless ? hostIdOfRoot(host.idMappings?.gidmap) : 0,
    cgroupVersion: (host.cgroupVersion ?? '').replace(/^v/, ''),
    cgroupManager: host.cgroupManager ?? '',
    cgroupControllers: host.cgroupControllers ?? [],
    ociRuntime: host.ociRuntime?.name ?? '',
    conmonPath,
    storageDriver: info.store?.graphDriverName ?? '',
    oomReported: major >= 5 || conmonPath === CAPSTAN_CONMON_WRAPPER,
    endpoint: client.endpoint.description,
  };
}

/** The host id that container id 0 maps to: the rootless service's own user (or group). */
function hostIdOfRoot(map: Array<{ container_id: number; host_id: number }> | null | undefined): number {
  return map?.find((entry) => entry.container_id === 0)?.host_id ?? -1;
}
