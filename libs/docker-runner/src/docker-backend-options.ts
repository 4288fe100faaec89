import { configCheck, engineApiOptionsShape, oneEngineAddress, parseEngineOptions } from '@capstan/docker-api/internal-options';
import { z } from 'zod';

/** `off`: plain containers (default); `auto`: services when the daemon is a swarm manager; `on`: services, or an error. */
export const SWARM_MODES = ['off', 'auto', 'on'] as const;
export type SwarmSetting = (typeof SWARM_MODES)[number];

const absolutePath = (what: string) =>
  z.string().refine(...configCheck((value: string) => value.startsWith('/') && !value.split('/').includes('..'), `is not an absolute path; give ${what}`));
const LOG_DRIVERS_WITH_LOGS = ['json-file', 'local', 'journald'] as const;
const GENERIC_RESOURCE_KIND = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** The options only the docker backend has: swarm mode, shared storage for multi-node swarms, sibling-container paths. */
const dockerOnlyShape = {
  /** Run attempts as one-replica swarm services instead of containers (see the README). */
  swarm: z.enum(SWARM_MODES).default('off'),
  /** How often (ms) the state of every in-flight service is read, in one call for all of them. */
  swarmPollMs: z.number().int().min(50).max(60_000).default(500),
  /** The generic resource GPUs are advertised under on the swarm's nodes (dockerd's node-generic-resources). */
  swarmGpuResource: z
    .string()
    .refine(...configCheck((value: string) => GENERIC_RESOURCE_KIND.test(value), 'is not a generic resource name; give e.g. "NVIDIA-GPU" (letters, digits, "_", ".", "-")'))
    .default('NVIDIA-GPU'),
  /** The log driver of the services' tasks: one whose logs the service logs API can read back. */
  swarmLogDriver: z.enum(LOG_DRIVERS_WITH_LOGS).default('json-file'),
  /** A folder every node mounts at the same path: the work dir and every input must be under it (host paths). */
  sharedRoot: absolutePath('the folder every swarm node mounts at the same path, e.g. "/shared/capstan"').optional(),
  /**
   * Capstan's paths as the daemon's host sees them, `{ "/in/capstan": "/on/the/host" }`; replaces the detection of
   * Capstan's own container (sibling containers). `{ "/": "/" }`: the same paths everywhere.
   */
  hostPathMap: z.record(absolutePath('the folder as Capstan sees it, e.g. "/data"'), absolutePath('the folder as the daemon\'s host sees it, e.g. "/srv/data"')).optional(),
};

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
  .strictObject({ ...engineApiOptionsShape({ addressKind: 'daemon', socketFile: 'docker.sock', socketExample: '/var/run/docker.sock' }), ...dockerOnlyShape })
  .superRefine(oneEngineAddress);

/** What a user may write (every field optional). */
export type DockerBackendOptionsInput = z.input<typeof dockerBackendOptionsSchema>;
/** The options with every default filled in. */
export type DockerBackendOptions = z.output<typeof dockerBackendOptionsSchema>;

/** Validates the `docker` section; the error (`config.invalid`) names the field under `path`, e.g. `docker.graceSeconds`. */
export function parseDockerBackendOptions(value: unknown, path = 'docker'): DockerBackendOptions {
  return parseEngineOptions(dockerBackendOptionsSchema, value, path);
}
