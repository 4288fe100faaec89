import { registerBackend } from '@capstan/core-constraints';
import type { DependencyContainer } from 'tsyringe';
import { ApptainerBackend } from './apptainer-backend';
import { type ApptainerBackendOptionsInput, parseApptainerBackendOptions } from './apptainer-backend-options';

/**
 * Registers the apptainer backend under the backend token. The options are validated here (a `config.invalid` error
 * names the field under `apptainer.`), so a bad configuration fails at start-up, not at the first task.
 */
export function registerApptainerBackend(container: DependencyContainer, options: ApptainerBackendOptionsInput = {}): void {
  const parsed = parseApptainerBackendOptions(options);
  registerBackend(container, () => new ApptainerBackend(parsed));
}
