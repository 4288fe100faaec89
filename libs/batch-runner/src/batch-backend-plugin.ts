import { defineBackendPlugin } from '@capstan/core-constraints';
import { batchBackendOptionsSchema } from './batch-backend-options';

/**
 * The batch backend as a plugin (`backend: batch`, options in the `batch:` section). Only the schema is imported here:
 * the backend's own code is imported when a command registers it, so a command that runs another backend never loads it.
 */
export const batchBackendPlugin = defineBackendPlugin({
  name: 'batch',
  optionsSchema: batchBackendOptionsSchema,
  register: async (container, options) => (await import('./register-batch-backend')).registerBatchBackend(container, options),
});
