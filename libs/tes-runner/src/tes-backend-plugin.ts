import { defineBackendPlugin } from '@capstan/core-constraints';
import { tesBackendOptionsSchema } from './tes-backend-options';

/**
 * The tes backend as a plugin (`backend: tes`, options in the `tes:` section). Only the schema is imported here: the
 * backend's own code (and what it depends on) is imported when a command registers it, so a command that runs
 * another backend never loads it.
 */
export const tesBackendPlugin = defineBackendPlugin({
  name: 'tes',
  optionsSchema: tesBackendOptionsSchema,
  register: async (container, options) => (await import('./register-tes-backend')).registerTesBackend(container, options),
});
