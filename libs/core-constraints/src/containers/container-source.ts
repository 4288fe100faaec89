import { CapstanError, ErrorCode } from '../errors/capstan-error';
import { describeValue } from '../units/size';

/**
 * Kinds of container source. `any` is WDL's `"*"` when no default container is configured: any POSIX environment,
 * which only a backend that runs on the host (local) accepts.
 */
export const CONTAINER_KINDS = ['docker', 'library', 'oras', 'sif', 'any', 'unknown'] as const;
export type ContainerKind = (typeof CONTAINER_KINDS)[number];

export interface ContainerSource {
  readonly kind: ContainerKind;
  /** What the runtime is given: a Docker reference without `docker://`, a `library://`/`oras://` URI, a SIF path. */
  readonly reference: string;
  /** The text as written in the task. */
  readonly uri: string;
  /** Why the source cannot be used by any backend (an unknown protocol, a malformed Docker reference). */
  readonly problem?: string;
}

export const ANY_CONTAINER = '*';

// Docker's reference grammar (distribution/reference): [domain[:port]/]path-component(/path-component)*[:tag][@digest]
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
// As the daemon splits a reference, a first component is a registry only when it holds a "." or a ":" or is
// "localhost"; anything else is a path component and must be lower-case (so "UPPER/x" is refused, not a registry).
const DOMAIN = `(?:localhost(?::[0-9]+)?|${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})+(?::[0-9]+)?|${DOMAIN_COMPONENT}:[0-9]+|\\[[0-9a-fA-F:]+\\](?::[0-9]+)?)`;
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*';
const TAG = '[\\w][\\w.-]{0,127}';
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';
const DOCKER_REFERENCE = new RegExp(
  `^(?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*(?::${TAG})?(?:@${DIGEST})?$`,
);

/** Whether `reference` is a Docker image reference by the daemon's grammar (no `docker://`, no surrounding spaces). */
export function isDockerReference(reference: string): boolean {
  return DOCKER_REFERENCE.test(reference);
}

/**
 * Parses one container URI. No protocol means `docker://`; `file://...` or a path ending in `.sif` is a SIF image;
 * `library://` and `oras://` keep their URI. Unknown protocols and malformed Docker references are returned with a
 * `problem` rather than thrown, so that resolution can skip them and still use another candidate.
 */
export function parseContainerSource(uri: string): ContainerSource {
  const text = uri.trim();
  if (text === ANY_CONTAINER) return { kind: 'any', reference: ANY_CONTAINER, uri };
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(text)?.[1]?.toLowerCase();
  if (scheme === undefined) {
    if (text.endsWith('.sif')) return { kind: 'sif', reference: text, uri };
    return dockerSource(text, uri);
  }
  const rest = text.slice(scheme.length + 3);
  switch (scheme) {
    case 'docker':
      return dockerSource(rest, uri);
    case 'library':
    case 'oras':
      return rest === '' ? { kind: scheme, reference: text, uri, problem: 'has no location after the protocol' } : { kind: scheme, reference: text, uri };
    case 'file':
      return rest.endsWith('.sif')
        ? { kind: 'sif', reference: rest, uri }
        : { kind: 'unknown', reference: text, uri, problem: 'is a file:// source that is not a .sif image' };
    default:
      return { kind: 'unknown', reference: text, uri, problem: `uses the protocol "${scheme}://", which Capstan does not know` };
  }
}

function dockerSource(reference: string, uri: string): ContainerSource {
  if (DOCKER_REFERENCE.test(reference)) return { kind: 'docker', reference, uri };
  return {
    kind: 'docker',
    reference,
    uri,
    problem: 'is not a valid Docker image reference (repository names are lower-case, e.g. "ubuntu:22.04")',
  };
}

/** Reads `container` / `docker`: a string or a non-empty list of strings. */
export function parseContainerList(value: unknown, path: string | null): ContainerSource[] {
  // Array.from turns holes of a sparse list into undefined items, which are then rejected (map would keep the holes).
  const items: unknown[] = Array.isArray(value) ? Array.from(value as unknown[]) : [value];
  if (items.length === 0) {
    throw new CapstanError(ErrorCode.InvalidContainer, 'the container list is empty; give at least one image, or "*" for any', { path });
  }
  return items.map((item, index) => {
    const itemPath = Array.isArray(value) ? `${path ?? ''}${path ? '.' : ''}${index}` : path;
    if (typeof item !== 'string' || item.trim() === '') {
      throw new CapstanError(
        ErrorCode.InvalidContainer,
        `${describeValue(item)} is not a container URI; write an image such as "ubuntu:22.04", ` +
          '"docker://ubuntu:22.04", "library://...", "oras://...", a .sif file, or "*"',
        { path: itemPath, details: { value: item } },
      );
    }
    return parseContainerSource(item);
  });
}
