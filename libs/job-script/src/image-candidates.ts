import { type ContainerSource } from '@capstan/core-constraints';
import { createHash } from 'node:crypto';
import { isAbsolute, resolve } from 'node:path';
import { type NodeRuntime } from './node-runtime';

/** One image the job script tries, in the task's order; the first that works is run. */
export type ImageCandidate =
  /** Apptainer: a SIF file that must exist on the node. */
  | { readonly kind: 'sif'; readonly uri: string; readonly path: string }
  /** Apptainer: a docker://, library:// or oras:// image converted once into the shared SIF cache. */
  | { readonly kind: 'convert'; readonly uri: string; readonly pullUri: string; readonly key: string; readonly registry: string | null; readonly noHttps: boolean }
  /** Docker or Podman: an image reference, used when present on the node, pulled otherwise. */
  | { readonly kind: 'image'; readonly uri: string; readonly reference: string };

export interface CandidateSettings {
  readonly runtime: NodeRuntime;
  readonly insecureRegistries: readonly string[];
}

/**
 * The candidates a runtime can try, in the task's order; sources it cannot run are skipped with a reason. Docker and
 * Podman run Docker references; Apptainer runs SIF files as they are and converts the rest.
 */
export function imageCandidates(sources: readonly ContainerSource[], settings: CandidateSettings): { candidates: ImageCandidate[]; skipped: Array<{ uri: string; reason: string }> } {
  const candidates: ImageCandidate[] = [];
  const skipped: Array<{ uri: string; reason: string }> = [];
  for (const source of sources) {
    if (settings.runtime !== 'apptainer') {
      if (source.kind === 'docker') candidates.push({ kind: 'image', uri: source.uri, reference: source.reference });
      else skipped.push({ uri: source.uri, reason: `a ${source.kind} source, which ${settings.runtime} cannot run` });
      continue;
    }
    if (source.kind === 'sif') {
      candidates.push({ kind: 'sif', uri: source.uri, path: isAbsolute(source.reference) ? source.reference : resolve(source.reference) });
    } else if (source.kind === 'docker' || source.kind === 'library' || source.kind === 'oras') {
      const pullUri = source.kind === 'docker' ? `docker://${source.reference}` : source.reference;
      const registry = registryOf(source);
      const noHttps = registry !== null && (isLoopbackRegistry(registry) || settings.insecureRegistries.includes(registry));
      candidates.push({ kind: 'convert', uri: source.uri, pullUri, key: sifCacheKey(pullUri), registry, noHttps });
    } else {
      skipped.push({ uri: source.uri, reason: `a ${source.kind} source, which Apptainer cannot run` });
    }
  }
  return { candidates, skipped };
}

/**
 * The cache entry of a pulled image: a readable, filesystem-safe prefix and 16 hex digits of sha256 of the URI, so
 * that entries never collide. Spellings are not normalised (`busybox` and `docker.io/library/busybox` are two entries).
 */
export function sifCacheKey(pullUri: string): string {
  const hash = createHash('sha256').update(pullUri).digest('hex').slice(0, 16);
  const readable = pullUri
    .replace(/^[a-z]+:\/\//, '')
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .replace(/^[._-]+/, '')
    .slice(0, 80);
  return `${readable}-${hash}`;
}

/** The registry host (with port) of a docker:// or oras:// source, where logins and plain HTTP apply; null for Docker Hub and library://. */
export function registryOf(source: ContainerSource): string | null {
  if (source.kind === 'oras') return source.reference.slice('oras://'.length).split('/')[0]?.toLowerCase() ?? null;
  if (source.kind !== 'docker') return null;
  const first = source.reference.split('/')[0] ?? '';
  const hasRegistry = source.reference.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost' || first.startsWith('['));
  return hasRegistry ? first.toLowerCase() : null;
}

/** Loopback registries are plain HTTP by convention (Docker treats 127.0.0.0/8 as insecure too). */
export function isLoopbackRegistry(registry: string): boolean {
  const host = registry.startsWith('[') ? registry.slice(0, registry.indexOf(']') + 1) : registry.replace(/:[0-9]+$/, '');
  return host === 'localhost' || host === '[::1]' || /^127\.[0-9]+\.[0-9]+\.[0-9]+$/.test(host);
}
