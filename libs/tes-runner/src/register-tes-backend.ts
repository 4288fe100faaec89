import { registerBackend } from '@capstan/core-constraints';
import type { DependencyContainer } from 'tsyringe';
import { TesBackend } from './tes-backend';
import { type TesBackendOptionsInput, parseTesBackendOptions } from './tes-backend-options';

/**
 * Registers the tes backend under the backend token. The options are validated here (a `config.invalid` error names
 * the field under `tes.`), so a bad configuration fails at start-up. Without `url` the backend is registered but
 * unavailable: its probe says what to set, and running a task on it fails with the same advice.
 */
export function registerTesBackend(container: DependencyContainer, options: TesBackendOptionsInput = {}): void {
  const parsed = parseTesBackendOptions(options);
  registerBackend(container, () => new TesBackend(parsed));
}
