import { registerBackend } from '@capstan/core-constraints';
import type { DependencyContainer } from 'tsyringe';
import { BatchBackend } from './batch-backend';
import { type BatchBackendOptionsInput, parseBatchBackendOptions } from './batch-backend-options';

/** Registers the batch backend under the backend token; a bad `batch:` section fails at start-up, naming the field. */
export function registerBatchBackend(container: DependencyContainer, options: BatchBackendOptionsInput = {}): void {
  const parsed = parseBatchBackendOptions(options);
  registerBackend(container, () => new BatchBackend(parsed));
}
