import { defineBackendPlugin } from '@capstan/core-constraints';
import { slurmBackendOptionsSchema } from './slurm-backend-options';

/**
 * The slurm backend as a plugin (`backend: slurm`, options in the `slurm:` section). Only the schema is imported here: the
 * backend's own code (and what it depends on) is imported when a command registers it, so a command that runs
 * another backend never loads it.
 */
export const slurmBackendPlugin = defineBackendPlugin({
  name: 'slurm',
  optionsSchema: slurmBackendOptionsSchema,
  register: async (container, options) => (await import('./register-slurm-backend')).registerSlurmBackend(container, options),
});
