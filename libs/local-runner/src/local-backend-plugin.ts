import { defineBackendPlugin } from '@capstan/core-constraints';
import { localBackendOptionsSchema } from './local-backend-options';

/**
 * The local backend as a plugin (`backend: local`, options in the `local:` section). Only the schema is imported here: the
 * backend's own code (and what it depends on) is imported when a command registers it, so a command that runs
 * another backend never loads it.
 */
export const localBackendPlugin = defineBackendPlugin({
  name: 'local',
  optionsSchema: localBackendOptionsSchema,
  register: async (container, options) => (await import('./register-local-backend')).registerLocalBackend(container, options),
});
