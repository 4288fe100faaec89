import { realpath } from 'node:fs/promises';
import { type DockerClient } from './docker-client';
import { type BindSource, HostPathMap } from './host-paths';
import { type ContainerEnvironment, findOwnContainer, readContainerEnvironment } from './own-container';

export interface HostPathSettings {
  /**
   * `{ "/path/in/capstan": "/path/on/the/daemon/host" }`: used as given, no detection. Paths under none of the
   * folders are refused. `{ "/": "/" }` says the paths are the same everywhere.
   */
  readonly map?: Readonly<Record<string, string>> | undefined;
  /** How the map is named in errors, e.g. `docker.hostPathMap`. */
  readonly option: string;
}

/**
 * Finds, once per backend, how the daemon's host sees Capstan's paths: the configured map when there is one; else,
 * when Capstan runs in a container the daemon knows (sibling containers: the host's socket mounted in), that
 * container's mounts; else the paths are the same. A failed lookup is not kept, so the next attempt asks again.
 */
export class HostPathResolver {
  private found: Promise<HostPathMap> | undefined;

  constructor(
    private readonly client: DockerClient,
    private readonly settings: HostPathSettings,
    private readonly environment: () => ContainerEnvironment = readContainerEnvironment,
  ) {}

  resolve(signal?: AbortSignal): Promise<HostPathMap> {
    if (this.found === undefined) {
      const found = this.lookup(signal);
      this.found = found;
      found.catch(() => {
        if (this.found === found) this.found = undefined;
      });
    }
    return this.found;
  }

  private async lookup(signal?: AbortSignal): Promise<HostPathMap> {
    const { map, option } = this.settings;
    if (map !== undefined) {
      return new HostPathMap(Object.entries(map).map(([inside, outside]) => ({ inside, outside })), { kind: 'configured', option });
    }
    const own = await findOwnContainer(this.client, this.environment(), signal);
    return own === undefined ? HostPathMap.same() : new HostPathMap(own.mounts, { kind: 'container', id: own.id, name: own.name });
  }
}

/**
 * The host's path of each source, symlinks inside Capstan's view resolved first (the host knows only the real
 * folder). Throws, naming the first path the host cannot see, before anything is created. Unchanged when the map
 * does not translate.
 */
export async function toHostPaths<T extends BindSource>(map: HostPathMap, sources: readonly T[]): Promise<T[]> {
  if (!map.translates) return [...sources];
  const real = await Promise.all(sources.map((source) => realpath(source.path).catch(() => source.path)));
  // In order, so the error names the first source the host cannot see (the work dir before the command file).
  return sources.map((source, index) => ({ ...source, path: map.toHost(real[index] ?? source.path, source.role) }));
}
