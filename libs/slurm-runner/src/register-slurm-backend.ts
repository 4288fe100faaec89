import { registerBackend } from '@capstan/core-constraints';
import type { DependencyContainer } from 'tsyringe';
import { SlurmBackend } from './slurm-backend';
import { parseSlurmBackendOptions, type SlurmBackendOptionsInput } from './slurm-backend-options';

/**
 * Registers the slurm backend under the backend token. The options are validated here (a `config.invalid` error names
 * the field under `slurm.`), so a bad configuration fails at start-up, not at the first task.
 */
export function registerSlurmBackend(container: DependencyContainer, options: SlurmBackendOptionsInput = {}): void {
  const parsed = parseSlurmBackendOptions(options);
  registerBackend(container, () => new SlurmBackend(parsed));
}
