import { defineBackendPlugin } from '@capstan/core-constraints';
import { dockerBackendOptionsSchema } from './docker-backend-options';

/**
 * The docker backend as a plugin (`backend: docker`, options in the `docker:` section). Only the schema is imported here: the
 * backend's own code (and what it depends on) is imported when a command registers it, so a command that runs
 * another backend never loads it.
 */
export const dockerBackendPlugin = defineBackendPlugin({
  name: 'docker',
  optionsSchema: dockerBackendOptionsSchema,
  register: async (container, options) => (await import('./register-docker-backend')).registerDockerBackend(container, options),
});
