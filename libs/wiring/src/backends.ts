import { type BackendPlugin } from '@capstan/core-constraints';

/**
 * The backends this CLI ships, as plugins of the same shape as a third party's, each imported only when a command
 * needs it: importing a plugin builds its options schema (zod, at module evaluation), and a run on one backend has no
 * use for the others. Swarm is a mode of the docker backend (`docker.swarm`), not a backend of its own.
 */
const BUILT_IN: Readonly<Record<string, () => Promise<BackendPlugin>>> = {
  docker: async () => (await import('@capstan/docker-runner/plugin')).dockerBackendPlugin,
  podman: async () => (await import('@capstan/podman-runner/plugin')).podmanBackendPlugin,
  apptainer: async () => (await import('@capstan/apptainer-runner/plugin')).apptainerBackendPlugin,
  local: async () => (await import('@capstan/local-runner/plugin')).localBackendPlugin,
  // Chosen by name only (never by `auto`): it needs a cluster.
  slurm: async () => (await import('@capstan/slurm-runner/plugin')).slurmBackendPlugin,
  // Chosen by name only (never by `auto`): it needs a scheduler (its profile: batch.profile).
  batch: async () => (await import('@capstan/batch-runner/plugin')).batchBackendPlugin,
  // Chosen by name only (never by `auto`): it needs a configured server.
  tes: async () => (await import('@capstan/tes-runner/plugin')).tesBackendPlugin,
};

/** The names of Capstan's own backends, known without importing any of them. */
export const BUILT_IN_BACKENDS: readonly string[] = Object.keys(BUILT_IN);

/** Imports Capstan's own backend plugins (all by default), in the order given; an unknown name is skipped. */
export async function loadBuiltInPlugins(names: readonly string[] = BUILT_IN_BACKENDS): Promise<BackendPlugin[]> {
  return Promise.all(names.flatMap((name) => (Object.hasOwn(BUILT_IN, name) ? [(BUILT_IN[name] as () => Promise<BackendPlugin>)()] : [])));
}

/**
 * The order `auto` tries container backends in, first usable wins; `local` is the fallback when none answers.
 * Daemon-based engines first (they isolate and limit most, and their probe is one API call), then Apptainer.
 */
export const AUTO_ORDER = ['docker', 'podman', 'apptainer'] as const;

export function sectionsOf(plugins: readonly BackendPlugin[]): Record<string, BackendPlugin['optionsSchema']> {
  return Object.fromEntries(plugins.map((plugin) => [plugin.name, plugin.optionsSchema]));
}

/**
 * The names of the backends a command on `backend` needs: that one, or what `auto` probes (and falls back to). An
 * unknown name needs them all: it may be a backend the host application registers itself, and if not, the error
 * lists every name.
 */
export function backendsFor(names: readonly string[], backend: unknown): readonly string[] {
  const wanted: readonly unknown[] = backend === undefined || backend === 'auto' ? [...AUTO_ORDER, 'local'] : [backend];
  const chosen = names.filter((name) => wanted.includes(name));
  return chosen.length === 0 ? names : chosen;
}

/** The plugins a command on `backend` needs (see `backendsFor`). */
export function pluginsFor(plugins: readonly BackendPlugin[], backend: string): readonly BackendPlugin[] {
  const wanted = backendsFor(plugins.map((plugin) => plugin.name), backend);
  return plugins.filter((plugin) => wanted.includes(plugin.name));
}
