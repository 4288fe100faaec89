import { apptainerBackendOptionsSchema, registerApptainerBackend } from '@capstan/apptainer-runner';
import { type BackendPlugin, defineBackendPlugin } from '@capstan/core-constraints';
import { dockerBackendOptionsSchema, registerDockerBackend } from '@capstan/docker-runner';
import { localBackendOptionsSchema, registerLocalBackend } from '@capstan/local-runner';
import { podmanBackendOptionsSchema, registerPodmanBackend } from '@capstan/podman-runner';
import { registerSlurmBackend, slurmBackendOptionsSchema } from '@capstan/slurm-runner';
import { registerTesBackend, tesBackendOptionsSchema } from '@capstan/tes-runner';

/**
 * The backends this CLI ships, as plugins of the same shape as a third party's. Swarm is a mode of the docker
 * backend (`docker.swarm`), not a backend of its own. A register may turn into `async (c, o) => (await import(...))`
 * without anything else here changing: wiring registers only the plugins a command needs.
 */
export const BUILT_IN_PLUGINS: readonly BackendPlugin[] = [
  defineBackendPlugin({ name: 'docker', optionsSchema: dockerBackendOptionsSchema, register: registerDockerBackend }),
  defineBackendPlugin({ name: 'podman', optionsSchema: podmanBackendOptionsSchema, register: registerPodmanBackend }),
  defineBackendPlugin({ name: 'apptainer', optionsSchema: apptainerBackendOptionsSchema, register: registerApptainerBackend }),
  defineBackendPlugin({ name: 'local', optionsSchema: localBackendOptionsSchema, register: registerLocalBackend }),
  // Chosen by name only (never by `auto`): it needs a cluster.
  defineBackendPlugin({ name: 'slurm', optionsSchema: slurmBackendOptionsSchema, register: registerSlurmBackend }),
  // Chosen by name only (never by `auto`): it needs a configured server.
  defineBackendPlugin({ name: 'tes', optionsSchema: tesBackendOptionsSchema, register: registerTesBackend }),
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
