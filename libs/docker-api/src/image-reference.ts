/** Docker Hub, as the daemon names it in references without a registry. */
export const DOCKER_HUB = 'docker.io';

export interface ImageReference {
  /** The registry host (with port), e.g. `127.0.0.1:5000`; {@link DOCKER_HUB} when the reference names none. */
  readonly registry: string;
  /** Everything before the tag or digest, as written (`ubuntu`, `127.0.0.1:5000/capstan/busybox`). */
  readonly name: string;
  /** `latest` when neither a tag nor a digest is written. */
  readonly tag: string | null;
  readonly digest: string | null;
}

/**
 * Splits a Docker reference the way the daemon does: the first path component is a registry when it contains a
 * `.` or a `:`, or is `localhost`; a `:` after the last `/` starts the tag; `@` starts a digest.
 */
export function parseImageReference(reference: string): ImageReference {
  const at = reference.indexOf('@');
  const withoutDigest = at === -1 ? reference : reference.slice(0, at);
  const digest = at === -1 ? null : reference.slice(at + 1);
  const lastSlash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.indexOf(':', lastSlash + 1);
  const name = colon === -1 ? withoutDigest : withoutDigest.slice(0, colon);
  const writtenTag = colon === -1 ? null : withoutDigest.slice(colon + 1);
  const firstSlash = name.indexOf('/');
  const first = firstSlash === -1 ? null : name.slice(0, firstSlash);
  const registry = first !== null && (first.includes('.') || first.includes(':') || first === 'localhost') ? first : DOCKER_HUB;
  return { registry, name, tag: writtenTag ?? (digest === null ? 'latest' : null), digest };
}

/** The registry key used in credentials: scheme and path dropped, Docker Hub's aliases made one. */
export function normaliseRegistryHost(server: string): string {
  const host = server.replace(/^[a-z]+:\/\//i, '').replace(/\/.*$/, '').toLowerCase();
  return host === 'index.docker.io' || host === 'registry-1.docker.io' || host === 'registry.hub.docker.com' ? DOCKER_HUB : host;
}
