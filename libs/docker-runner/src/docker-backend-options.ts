import { engineApiOptionsShape, oneEngineAddress, parseEngineOptions } from '@capstan/docker-api';
import { z } from 'zod';

/**
 * The `docker` section of Capstan's configuration. Every field has a default, so `{}` is valid. The fields are the
 * ones every Docker-API backend shares (libs/docker-api/src/engine-options.ts); `user: auto` runs tasks as the
 * invoking uid:gid when Capstan is not root, and as the image's own user when it is.
 *
 * `memoryLimit: 'request'` (the default) makes the task's memory request its hard limit when no `max_memory` hint
 * gives one: WDL 1.2 says requirements must be enforced while the task runs, so a task asking for 2 GiB is held to
 * 2 GiB. (Sprocket enforces only `max_*` hints.) `'none'` leaves such tasks unlimited, the request only reserved.
 */
export const dockerBackendOptionsSchema = z
  .strictObject(engineApiOptionsShape({ addressKind: 'daemon', socketFile: 'docker.sock', socketExample: '/var/run/docker.sock' }))
  .superRefine(oneEngineAddress);

/** What a user may write (every field optional). */
export type DockerBackendOptionsInput = z.input<typeof dockerBackendOptionsSchema>;
/** The options with every default filled in. */
export type DockerBackendOptions = z.output<typeof dockerBackendOptionsSchema>;

/** Validates the `docker` section; the error (`config.invalid`) names the field under `path`, e.g. `docker.graceSeconds`. */
export function parseDockerBackendOptions(value: unknown, path = 'docker'): DockerBackendOptions {
  return parseEngineOptions(dockerBackendOptionsSchema, value, path);
}
