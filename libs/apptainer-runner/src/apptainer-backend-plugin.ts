import { defineBackendPlugin } from '@capstan/core-constraints';
import { apptainerBackendOptionsSchema } from './apptainer-backend-options';

/**
 * The apptainer backend as a plugin (`backend: apptainer`, options in the `apptainer:` section). Only the schema is imported here: the
 * backend's own code (and what it depends on) is imported when a command registers it, so a command that runs
 * another backend never loads it.
 */
export const apptainerBackendPlugin = defineBackendPlugin({
  name: 'apptainer',
  optionsSchema: apptainerBackendOptionsSchema,
  register: async (container, options) => (await import('./register-apptainer-backend')).registerApptainerBackend(container, options),
});
