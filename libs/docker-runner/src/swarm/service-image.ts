import { DOCKER_HUB, type DockerClient, parseImageReference } from '@capstan/docker-api/internal';

/** What a service names as its image, and where its task may therefore run. */
export interface ServiceImage {
  readonly reference: string;
  /** Placement constraints the image imposes (none, or this node only). */
  readonly placement: readonly string[];
}

/**
 * The swarm agent pulls a service's image by tag before every task, falling back to a local copy only after the
 * registry failed (so a local-only image means a registry round trip, and a tag may resolve to another image than
 * the one Capstan checked). Naming it by digest avoids both: a local copy with that digest is used as it is, and
 * other nodes pull exactly that image. An image the daemon has no registry digest for (built or imported locally)
 * is named by its id, which no registry knows: its task is pinned to this node, the only one known to have it.
 */
export async function serviceImage(client: DockerClient, reference: string, localNodeId: string): Promise<ServiceImage> {
  const wanted = parseImageReference(reference);
  if (wanted.digest !== null) return { reference, placement: [] };
  const info = await client.call(`image inspect of ${reference}`, (api) => api.getImage(reference).inspect());
  const repository = canonicalRepository(reference);
  const digest = (info.RepoDigests ?? []).find((entry) => canonicalRepository(entry) === repository);
  if (digest !== undefined) return { reference: `${wanted.name}@${digest.slice(digest.indexOf('@') + 1)}`, placement: [] };
  return { reference: info.Id, placement: [`node.id==${localNodeId}`] };
}

/** `busybox:1` -> `docker.io/library/busybox`: the repository as the daemon compares it. */
function canonicalRepository(reference: string): string {
  const { registry, name } = parseImageReference(reference);
  if (registry !== DOCKER_HUB) return name;
  const path = name.startsWith(`${DOCKER_HUB}/`) ? name.slice(DOCKER_HUB.length + 1) : name;
  return `${DOCKER_HUB}/${path.includes('/') ? path : `library/${path}`}`;
}
