import { apptainerBackendPlugin } from '@capstan/apptainer-runner/plugin';
import { type BackendPlugin } from '@capstan/core-constraints';
import { dockerBackendPlugin } from '@capstan/docker-runner/plugin';
import { localBackendPlugin } from '@capstan/local-runner/plugin';
import { podmanBackendPlugin } from '@capstan/podman-runner/plugin';
import { slurmBackendPlugin } from '@capstan/slurm-runner/plugin';
import { tesBackendPlugin } from '@capstan/tes-runner/plugin';

/**
 * The backends this CLI ships, as plugins of the same shape as a third party's. Swarm is a mode of the docker
 * backend (`docker.swarm`), not a backend of its own. Each plugin imports its backend's code in `register`, and wiring
 * registers only the plugins a command needs: a command loads the schemas of all, the code of the one it runs.
 */
export const BUILT_IN_PLUGINS: readonly BackendPlugin[] = [
  dockerBackendPlugin,
  podmanBackendPlugin,
  apptainerBackendPlugin,
  localBackendPlugin,
  // Chosen by name only (never by `auto`): it needs a cluster.
  slurmBackendPlugin,
  // Chosen by name only (never by `auto`): it needs a configured server.
  tesBackendPlugin,
];

/**
 * The order `auto` tries container backends in, first usable wins; `local` is the fallback when none answers.
 * Daemon-based engines first (they isolate and limit most, and their probe is one API call), then Apptainer.
 */
export const AUTO_ORDER = ['docker', 'podman', 'apptainer'] as const;

export const configSections = sectionsOf(BUILT_IN_PLUGINS);

export function sectionsOf(plugins: readonly BackendPlugin[]): Record<string, BackendPlugin['optionsSchema']> {
  return Object.fromEntries(plugins.map((plugin) => [plugin.name, plugin.optionsSchema]));
}

/**
 * The plugins a command on `backend` needs: that one, or what `auto` probes (and falls back to). An unknown name
 * needs them all: it may be a backend the host application registers itself, and if not, the error lists every name.
 */
export function pluginsFor(plugins: readonly BackendPlugin[], backend: string): readonly BackendPlugin[] {
  const wanted: readonly string[] = backend === 'auto' ? [...AUTO_ORDER, 'local'] : [backend];
  const chosen = plugins.filter((plugin) => wanted.includes(plugin.name));
  return chosen.length === 0 ? plugins : chosen;
}
