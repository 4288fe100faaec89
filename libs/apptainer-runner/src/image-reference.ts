import { type ContainerSource } from '@capstan/core-constraints';
import { createHash } from 'node:crypto';

/** Kinds that are pulled and converted to a SIF in the cache (a `sif` source is used where it lies). */
export type RemoteKind = 'docker' | 'library' | 'oras';

export interface RemoteImage {
  readonly kind: RemoteKind;
  /** What Apptainer is given: `docker://...`, `library://...`, `oras://...`. */
  readonly uri: string;
  /** The reference in one canonical spelling: `docker://docker.io/library/busybox:latest`. */
  readonly normalised: string;
  /** The registry host (with port) for docker:// and oras://: where credentials and `--no-https` apply. */
  readonly registry: string | null;
  /** The cache entry's name without extension: a readable prefix and 16 hex digits of sha256(normalised). */
  readonly key: string;
}

const DOCKER_HUB = 'docker.io';
const MAX_READABLE = 80;

/**
 * The canonical spelling of a remote image, so that `busybox`, `docker://busybox:latest` and
 * `docker.io/library/busybox` share one cache entry:
 * - docker: the registry (default `docker.io`, host lower-cased), `library/` for a one-part Docker Hub name, the tag
 *   (default `latest`); with a digest, `name@digest` (the tag is then ignored, as Docker does);
 * - library and oras: the URI as written, with `:latest` added when the last path part has no tag.
 */
export function toRemoteImage(source: ContainerSource): RemoteImage {
  if (source.kind !== 'docker' && source.kind !== 'library' && source.kind !== 'oras') {
    throw new Error(`a ${source.kind} source is not a remote image`);
  }
  if (source.kind === 'docker') {
    const { registry, name, tag, digest } = splitDockerReference(source.reference);
    const normalised = `docker://${registry}/${name}${digest === null ? `:${tag ?? 'latest'}` : `@${digest}`}`;
    return { kind: 'docker', uri: `docker://${source.reference}`, normalised, registry, key: cacheKey('docker', normalised) };
  }
  const rest = source.reference.slice(source.reference.indexOf('://') + 3);
  const lastPart = rest.slice(rest.lastIndexOf('/') + 1);
  const tagged = lastPart.includes(':') || lastPart.includes('@') ? rest : `${rest}:latest`;
  const normalised = `${source.kind}://${tagged}`;
  const firstPart = rest.split('/')[0] ?? '';
  // oras:// always names its registry first; library:// names a host only when the first part looks like one.
  const registry = source.kind === 'oras' || /[.:]/.test(firstPart) || firstPart === 'localhost' ? firstPart.toLowerCase() : null;
  return { kind: source.kind, uri: source.reference, normalised, registry, key: cacheKey(source.kind, normalised) };
}

/** `docker_127.0.0.1_5000_capstan_busybox_1-<16 hex>`: readable, filesystem-safe, unique by the hash. */
export function cacheKey(kind: RemoteKind, normalised: string): string {
  const hash = createHash('sha256').update(normalised).digest('hex').slice(0, 16);
  const readable = normalised
    .slice(normalised.indexOf('://') + 3)
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .replace(/^[._-]+/, '')
    .slice(0, MAX_READABLE);
  return `${kind}_${readable}-${hash}`;
}

function splitDockerReference(reference: string): { registry: string; name: string; tag: string | null; digest: string | null } {
  const at = reference.indexOf('@');
  const digest = at === -1 ? null : reference.slice(at + 1);
  const withoutDigest = at === -1 ? reference : reference.slice(0, at);
  const slash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.lastIndexOf(':');
  const tag = colon > slash ? withoutDigest.slice(colon + 1) : null;
  const path = colon > slash ? withoutDigest.slice(0, colon) : withoutDigest;
  const parts = path.split('/');
  const first = parts[0] ?? '';
  const hasRegistry = parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost' || first.startsWith('['));
  const registry = hasRegistry ? first.toLowerCase() : DOCKER_HUB;
  const rest = hasRegistry ? parts.slice(1) : parts;
  const name = registry === DOCKER_HUB && rest.length === 1 ? `library/${rest[0] ?? ''}` : rest.join('/');
  return { registry: registry === 'index.docker.io' || registry === 'registry-1.docker.io' ? DOCKER_HUB : registry, name, tag, digest };
}

/** Loopback registries are plain HTTP by convention (Docker treats 127.0.0.0/8 as insecure too). */
export function isLoopbackRegistry(registry: string): boolean {
  const host = registry.startsWith('[') ? registry.slice(0, registry.indexOf(']') + 1) : registry.replace(/:[0-9]+$/, '');
  return host === 'localhost' || host === '[::1]' || /^127\.[0-9]+\.[0-9]+\.[0-9]+$/.test(host);
}
