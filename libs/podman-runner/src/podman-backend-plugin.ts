import { defineBackendPlugin } from '@capstan/core-constraints';
import { podmanBackendOptionsSchema } from './podman-backend-options';

/**
 * The podman backend as a plugin (`backend: podman`, options in the `podman:` section). Only the schema is imported here: the
 * backend's own code (and what it depends on) is imported when a command registers it, so a command that runs
 * another backend never loads it.
 */
export const podmanBackendPlugin = defineBackendPlugin({
  name: 'podman',
  optionsSchema: podmanBackendOptionsSchema,
  register: async (container, options) => (await import('./register-podman-backend')).registerPodmanBackend(container, options),
});
