import { type Backend, type BackendRegistry, CapstanError, ErrorCode } from '@capstan/core-constraints';
import { AUTO_ORDER } from './backends';

export const SHORT_NAMES_NOTE =
  'podman: short image names are read as Docker reads them (busybox:1 as docker.io/library/busybox:1), with a warning, since Docker did not answer; podman.shortNames decides when set';

/**
 * Whether `backend` is Podman and now reads short names as Docker would (see `PodmanBackend.standInForDocker`). Asked by
 * shape, not `instanceof`: importing podman-runner's class here would load Podman's code for every command.
 */
function standsInForDocker(backend: Backend): boolean {
  return backend.name === 'podman' && 'standInForDocker' in backend && typeof backend.standInForDocker === 'function' && backend.standInForDocker() === true;
}

export async function chooseBackend(registry: BackendRegistry, name: string, options: { readonly hostFallback: boolean } = { hostFallback: true }): Promise<{ backend: Backend; selection: string[] }> {
  if (name !== 'auto') return { backend: registry.get(name), selection: [] };
  return chooseAuto((candidate) => Promise.resolve(registry.get(candidate)), options);
}

/**
 * `auto`: the first container engine of AUTO_ORDER that answers, else (with hostFallback) `local`. `get` hands out
 * each backend as it is needed, so that `wire` can import and build only those it probes.
 */
export async function chooseAuto(get: (name: string) => Promise<Backend>, options: { readonly hostFallback: boolean }): Promise<{ backend: Backend; selection: string[] }> {
  const selection: string[] = [];
  for (const candidate of AUTO_ORDER) {
    const backend = await get(candidate);
    const probe = await backend.probe().catch((error: unknown) => ({ available: false, problems: [error instanceof Error ? error.message : String(error)] }));
    if (probe.available) {
      selection.push(`${candidate}: available, chosen`);
      // Docker, first in the order, did not answer: task files written for it keep their meaning on Podman.
      if (standsInForDocker(backend)) selection.push(SHORT_NAMES_NOTE);
      const later = AUTO_ORDER.slice(AUTO_ORDER.indexOf(candidate) + 1);
      later.forEach((other) => selection.push(`${other}: not probed (${candidate} comes first in the auto order)`));
      return { backend, selection };
    }
    selection.push(`${candidate}: passed over (${probe.problems[0] ?? 'not available'})`);
  }
  if (!options.hostFallback) {
    throw new CapstanError(
      ErrorCode.BackendUnavailable,
      `backend "auto" found no container engine (${selection.join('; ')}); start one (Docker, Podman or Apptainer; \`capstan doctor\` says what is missing) or name a backend; auto never falls back to running tasks on the host here`,
      { path: 'backend', details: { value: 'auto' } },
    );
  }
  selection.push('local: no container engine answered, so tasks run on the host without a container');
  return { backend: await get('local'), selection };
}
