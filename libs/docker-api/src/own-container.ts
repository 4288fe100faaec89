import { CapstanError } from '@capstan/core-constraints';
import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { type DockerClient } from './docker-client';
import { type PathMapping } from './host-paths';

/** What a process can see of the container it may run in; read from the real files by default, handed in by tests. */
export interface ContainerEnvironment {
  /** Which of the engines' marker files exist (`/.dockerenv`, `/run/.containerenv`). */
  readonly markers: readonly string[];
  /** `/proc/self/mountinfo`. */
  readonly mountinfo: string;
  /** `/proc/self/cgroup`. */
  readonly cgroup: string;
  /** `/run/.containerenv` (Podman writes the container's id and name there in some modes). */
  readonly containerenv: string;
  readonly hostname: string;
}

const MARKERS = ['/.dockerenv', '/run/.containerenv'];

export function readContainerEnvironment(): ContainerEnvironment {
  return {
    markers: MARKERS.filter((file) => existsSync(file)),
    mountinfo: readOrEmpty('/proc/self/mountinfo'),
    cgroup: readOrEmpty('/proc/self/cgroup'),
    containerenv: readOrEmpty('/run/.containerenv'),
    hostname: hostname(),
  };
}

/** Files the engines bind into every container from the container's own folder, which names the container's id. */
const ENGINE_FILES = new Set(['/etc/hostname', '/etc/hosts', '/etc/resolv.conf']);
const ID_IN_FOLDER = /containers\/([0-9a-f]{64})\//;
const ID_IN_CGROUP = /(?:docker|libpod)[-/]([0-9a-f]{64})(?:\.scope)?/g;
const SHORT_ID = /^[0-9a-f]{12,64}$/;

/**
 * The ids this process's container may have, most reliable first: the engine's own folder behind `/etc/hostname`
 * (Docker: `/var/lib/docker/containers/<id>/hostname`, Podman: `.../overlay-containers/<id>/userdata/hostname`;
 * only the mount at /etc/hostname counts, as the host itself lists every container's shm folder), the cgroup path
 * (`/docker/<id>`, `docker-<id>.scope`, `libpod-<id>.scope`), Podman's `.containerenv`, and the hostname, which is
 * the short id unless `--hostname` was given. Empty on a host.
 */
export function containerIdCandidates(environment: ContainerEnvironment): string[] {
  const ids: string[] = [];
  for (const line of environment.mountinfo.split('\n')) {
    const fields = line.split(' ');
    const root = fields[3];
    const mountPoint = fields[4];
    if (root === undefined || mountPoint === undefined || !ENGINE_FILES.has(mountPoint)) continue;
    const id = ID_IN_FOLDER.exec(root)?.[1];
    if (id !== undefined) ids.push(id);
  }
  for (const match of environment.cgroup.matchAll(ID_IN_CGROUP)) if (match[1] !== undefined) ids.push(match[1]);
  const podmanId = /^id="?([0-9a-f]{64})"?$/m.exec(environment.containerenv)?.[1];
  if (podmanId !== undefined) ids.push(podmanId);
  const inContainer = ids.length > 0 || environment.markers.length > 0;
  if (inContainer && SHORT_ID.test(environment.hostname)) ids.push(environment.hostname);
  return [...new Set(ids)];
}

/** The container Capstan runs in, as the daemon knows it. */
export interface OwnContainer {
  readonly id: string;
  readonly name: string;
  /** Bind mounts and volumes: where Capstan sees each, and where the daemon's host has it. */
  readonly mounts: readonly PathMapping[];
}

interface InspectedMount {
  readonly Type?: string;
  readonly Source?: string;
  readonly Destination?: string;
}

/**
 * Asks the daemon for the container this process runs in: the first candidate id it knows (a short id from the
 * hostname must be a prefix of the id found, so a container that merely has that name does not count). Undefined
 * when this process is not in a container the daemon runs (e.g. on the host, or in a VM built from an image).
 */
export async function findOwnContainer(client: DockerClient, environment: ContainerEnvironment, signal?: AbortSignal): Promise<OwnContainer | undefined> {
  for (const candidate of containerIdCandidates(environment)) {
    let info;
    try {
      info = await client.call(`inspect of container ${candidate.slice(0, 12)}`, (api) => api.getContainer(candidate).inspect(), signal);
    } catch (error) {
      if (error instanceof CapstanError && error.details['statusCode'] === 404) continue;
      throw error;
    }
    if (!info.Id.startsWith(candidate)) continue;
    const mounts = ((info.Mounts ?? []) as readonly InspectedMount[])
      .filter((mount) => (mount.Type === 'bind' || mount.Type === 'volume') && typeof mount.Source === 'string' && mount.Source !== '' && typeof mount.Destination === 'string')
      .map((mount) => ({ inside: mount.Destination as string, outside: mount.Source as string }));
    return { id: info.Id, name: info.Name.replace(/^\//, ''), mounts };
  }
  return undefined;
}

function readOrEmpty(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
