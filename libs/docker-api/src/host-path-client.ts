import { type ContainerCreateSpec, DockerClient, type DockerClientOptions } from './docker-client';
import { type BindSource, type HostPathMap } from './host-paths';
import { toHostPaths } from './host-path-resolver';

/**
 * A client whose containers' bind sources are given in Capstan's own view of the filesystem and sent as the daemon's
 * host sees them (see {@link HostPathMap}): every container created through it (attempts, ownership repairs) binds
 * the right host folder when Capstan runs in a sibling container. With a map that does not translate it behaves
 * exactly as {@link DockerClient}.
 */
export class HostPathDockerClient extends DockerClient {
  constructor(
    options: DockerClientOptions,
    env: NodeJS.ProcessEnv,
    private readonly hostPaths: () => Promise<HostPathMap>,
  ) {
    super(options, env);
  }

  override async createContainer(spec: ContainerCreateSpec): Promise<string> {
    return super.createContainer(await translateContainerSpec(spec, await this.hostPaths()));
  }
}

/** The spec with the sources of its binds (`HostConfig.Binds` and bind `Mounts`) translated; named volumes are left alone. */
export async function translateContainerSpec(spec: ContainerCreateSpec, map: HostPathMap): Promise<ContainerCreateSpec> {
  const host = spec.HostConfig;
  if (!map.translates || host === undefined) return spec;
  const binds = await Promise.all(
    (host.Binds ?? []).map(async (bind) => {
      const colon = bind.indexOf(':');
      const source = colon === -1 ? bind : bind.slice(0, colon);
      if (!source.startsWith('/')) return bind;
      const [translated] = await toHostPaths(map, [{ role: 'the bind source', path: source } satisfies BindSource]);
      return `${translated?.path ?? source}${colon === -1 ? '' : bind.slice(colon)}`;
    }),
  );
  const mounts = await Promise.all(
    (host.Mounts ?? []).map(async (mount) => {
      if (mount.Type !== 'bind' || typeof mount.Source !== 'string') return mount;
      const [translated] = await toHostPaths(map, [{ role: 'the bind source', path: mount.Source }]);
      return { ...mount, Source: translated?.path ?? mount.Source };
    }),
  );
  return {
    ...spec,
    HostConfig: { ...host, ...(host.Binds === undefined ? {} : { Binds: binds }), ...(host.Mounts === undefined ? {} : { Mounts: mounts }) },
  };
}
