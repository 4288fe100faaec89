import { DOCKER_HUB, parseImageReference } from '@capstan/docker-api/internal';
import { type ShortNamePolicy } from './podman-backend-options';

/**
 * Whether a reference names its registry: its first path component has a `.` or a `:` or is `localhost`
 * (`docker.io/library/busybox:1`, `127.0.0.1:5000/x:1`, `localhost/x:1`). Anything else is a short name, which
 * Podman resolves by its own rules: registries.conf aliases and search lists, a prompt on a terminal, and through the
 * Docker-compatible API even a local image whose name merely ends the same way (`busybox:1` finds
 * `localhost/capstan-test/busybox:1`). Capstan never leaves that choice to Podman.
 */
export function isFullyQualified(reference: string): boolean {
  const { registry, name } = parseImageReference(reference);
  return name.startsWith(`${registry}/`);
}

/** The Docker Hub form Docker would use: `busybox:1` -> `docker.io/library/busybox:1`, `me/tool` -> `docker.io/me/tool`. */
export function dockerHubForm(reference: string): string {
  return `${DOCKER_HUB}/${reference.split('@')[0]?.includes('/') ? '' : 'library/'}${reference}`;
}

/** The form of an image built, loaded or imported on this machine: `busybox:1` -> `localhost/busybox:1`. */
export function localForm(reference: string): string {
  return `localhost/${reference}`;
}

export interface QualifiedCandidate {
  /** As the task wrote it. */
  readonly written: string;
  /** What is asked of Podman. */
  readonly reference: string;
}

export interface QualifiedCandidates {
  readonly usable: readonly QualifiedCandidate[];
  /** Short names under `refuse`. */
  readonly refused: readonly string[];
}

/** Splits a task's image candidates under the short-name policy; the order of the usable ones is kept. */
export function qualifyCandidates(references: readonly string[], policy: ShortNamePolicy): QualifiedCandidates {
  const usable: QualifiedCandidate[] = [];
  const refused: string[] = [];
  for (const written of references) {
    if (isFullyQualified(written)) usable.push({ written, reference: written });
    else if (policy === 'docker.io') usable.push({ written, reference: dockerHubForm(written) });
    else refused.push(written);
  }
  return { usable, refused };
}

/**
 * Why a short name is refused, naming its fully qualified forms; `present` are the forms the service has locally
 * (found by the caller), so the error can say which one is meant here.
 */
export function shortNameReason(reference: string, present: readonly string[]): string {
  const forms = [dockerHubForm(reference), localForm(reference)];
  const here = present.length === 0 ? '' : `; this Podman has ${present.join(' and ')}`;
  return (
    `a short name, which Podman would resolve by its own rules (registries.conf, or any local image whose name ends the same way); ` +
    `write it fully qualified: ${forms[0]} (Docker Hub) or ${forms[1]} (built, loaded or imported on this machine)${here}, ` +
    `or set the podman backend's shortNames to docker.io to qualify short names as Docker does`
  );
}
