import { apptainerBackendOptionsSchema, registerApptainerBackend } from '@capstan/apptainer-runner';
import { dockerBackendOptionsSchema, registerDockerBackend } from '@capstan/docker-runner';
import { localBackendOptionsSchema, registerLocalBackend } from '@capstan/local-runner';
import { podmanBackendOptionsSchema, registerPodmanBackend } from '@capstan/podman-runner';
import { registerSlurmBackend, slurmBackendOptionsSchema } from '@capstan/slurm-runner';
import { registerTesBackend, tesBackendOptionsSchema } from '@capstan/tes-runner';
import type { DependencyContainer } from 'tsyringe';
import { type z } from 'zod';

/** One entry per backend this CLI ships: its config section's schema and its registration function. */
interface BackendPlugin {
  readonly schema: z.ZodType;
  readonly register: (container: DependencyContainer, options: never) => void;
}

export const BACKEND_PLUGINS: Readonly<Record<string, BackendPlugin>> = {
  docker: { schema: dockerBackendOptionsSchema, register: registerDockerBackend as BackendPlugin['register'] },
  podman: { schema: podmanBackendOptionsSchema, register: registerPodmanBackend as BackendPlugin['register'] },
  apptainer: { schema: apptainerBackendOptionsSchema, register: registerApptainerBackend as BackendPlugin['register'] },
  local: { schema: localBackendOptionsSchema, register: registerLocalBackend as BackendPlugin['register'] },
  // Chosen by name only (never by `auto`): it needs a cluster.
  slurm: { schema: slurmBackendOptionsSchema, register: registerSlurmBackend as BackendPlugin['register'] },
  // Chosen by name only (never by `auto`): it needs a configured server.
  tes: { schema: tesBackendOptionsSchema, register: registerTesBackend as BackendPlugin['register'] },
};

/**
 * The order `auto` tries container backends in, first usable wins; `local` is the fallback when none answers.
 * Daemon-based engines first (they isolate and limit most, and their probe is one API call), then Apptainer.
 */
export const AUTO_ORDER = ['docker', 'podman', 'apptainer'] as const;

export const configSections = Object.fromEntries(Object.entries(BACKEND_PLUGINS).map(([name, plugin]) => [name, plugin.schema]));

export function registerBackends(container: DependencyContainer, options: Readonly<Record<string, unknown>>): void {
  for (const [name, plugin] of Object.entries(BACKEND_PLUGINS)) plugin.register(container, options[name] as never);
}
