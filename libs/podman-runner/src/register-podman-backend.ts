import { registerBackend } from '@capstan/core-constraints';
import type { DependencyContainer } from 'tsyringe';
import { PodmanBackend } from './podman-backend';
import { type PodmanBackendOptionsInput, parsePodmanBackendOptions } from './podman-backend-options';

/**
 * Registers the podman backend under the backend token. The options are validated here (a `config.invalid` error
 * names the field under `podman.`), so a bad configuration fails at start-up, not at the first task.
 */
export function registerPodmanBackend(container: DependencyContainer, options: PodmanBackendOptionsInput = {}): void {
  const parsed = parsePodmanBackendOptions(options);
  registerBackend(container, () => new PodmanBackend(parsed));
}
