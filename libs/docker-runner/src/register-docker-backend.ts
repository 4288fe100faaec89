import { registerBackend } from '@capstan/core-constraints';
import type { DependencyContainer } from 'tsyringe';
import { DockerBackend } from './docker-backend';
import { type DockerBackendOptionsInput, parseDockerBackendOptions } from './docker-backend-options';

/**
 * Registers the docker backend under the backend token. The options are validated here (a `config.invalid` error
 * names the field under `docker.`), so a bad configuration fails at start-up, not at the first task.
 */
export function registerDockerBackend(container: DependencyContainer, options: DockerBackendOptionsInput = {}): void {
  const parsed = parseDockerBackendOptions(options);
  registerBackend(container, () => new DockerBackend(parsed));
}
