import { CapstanError, ErrorCode, parseWithSchema } from '@capstan/core-constraints';
import { PULL_POLICIES } from '@capstan/docker-api';
import { z } from 'zod';

const NETWORK_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
const USER_IDS = /^[0-9]+:[0-9]+$/;
const REGISTRY_HOST = /^[a-zA-Z0-9.-]+(:[0-9]{1,5})?$|^\[[0-9a-fA-F:]+\](:[0-9]{1,5})?$/;

const registryLoginSchema = z.strictObject({
  username: z.string({ error: 'username is a string' }).min(1, { error: 'username is empty' }),
  password: z.string({ error: 'password is a string' }),
});

/**
 * The `docker` section of Capstan's configuration. Every field has a default, so `{}` is valid.
 *
 * `memoryLimit: 'request'` (the default) makes the task's memory request its hard limit when no `max_memory` hint
 * gives one: WDL 1.2 says requirements must be enforced while the task runs, so a task asking for 2 GiB is held to
 * 2 GiB. (Sprocket enforces only `max_*` hints.) `'none'` leaves such tasks unlimited, the request only reserved.
 */
export const dockerBackendOptionsSchema = z.strictObject({
  /** `unix:///path/docker.sock` or `tcp://host:port`; default DOCKER_HOST, else /var/run/docker.sock. */
  host: z
    .string({ error: 'host is a string such as "unix:///var/run/docker.sock" or "tcp://127.0.0.1:2375"' })
    .regex(/^(unix:\/\/\/.+|tcp:\/\/[^/]+:[0-9]{1,5}\/?)$/, { error: 'host is "unix:///path/to/docker.sock" or "tcp://host:port"' })
    .optional(),
  /** A unix socket path; wins over host and DOCKER_HOST. */
  socketPath: z.string({ error: 'socketPath is an absolute path' }).startsWith('/', { error: 'socketPath is an absolute path such as "/var/run/docker.sock"' }).optional(),
  pullPolicy: z.enum(PULL_POLICIES, { error: `pullPolicy is one of ${PULL_POLICIES.map((p) => `"${p}"`).join(', ')}` }).default('if-not-present'),
  /** Registry logins by host (with port): `{ "127.0.0.1:5000": { username, password } }`; they win over ~/.docker/config.json. */
  registries: z
    .record(
      z.string().regex(REGISTRY_HOST, { error: 'a registry key is a host with an optional port, e.g. "registry.example.org" or "127.0.0.1:5000"' }),
      registryLoginSchema,
    )
    .default({}),
  /** `bridge` (default), `none`, `host`, or the name of an existing Docker network. */
  network: z
    .string({ error: 'network is "bridge", "none", "host" or a network name' })
    .regex(NETWORK_NAME, { error: 'network is "bridge", "none", "host" or a network name (letters, digits, "_", ".", "-")' })
    .default('bridge'),
  /** What the hard memory limit is when no max_memory hint gives one: the request (default) or none. */
  memoryLimit: z.enum(['request', 'none'], { error: 'memoryLimit is "request" (the request is the hard limit) or "none"' }).default('request'),
  /** The most processes a task may have; null for no limit. */
  pidsLimit: z
    .number({ error: 'pidsLimit is a whole number of processes, or null for no limit' })
    .int({ error: 'pidsLimit is a whole number of processes' })
    .min(16, { error: 'pidsLimit below 16 would stop most shells; give at least 16, or null for no limit' })
    .nullable()
    .default(4096),
  /** Seconds between SIGTERM and SIGKILL when a task is stopped (cancel, timeout). */
  graceSeconds: z
    .number({ error: 'graceSeconds is a whole number of seconds' })
    .int({ error: 'graceSeconds is a whole number of seconds (the Docker API takes whole seconds)' })
    .min(0, { error: 'graceSeconds cannot be negative' })
    .max(3600, { error: 'graceSeconds is at most 3600' })
    .default(10),
  /** Keep the container of a failed attempt for inspection (`docker logs` will be empty: output goes to the attempt's files). */
  keepFailedContainers: z.boolean({ error: 'keepFailedContainers is true or false' }).default(false),
  /**
   * Who the task runs as: `auto` (the invoking uid:gid when Capstan is not root; the image's own user when it is),
   * `root`, or `UID:GID`.
   */
  user: z
    .string({ error: 'user is "auto", "root" or "UID:GID"' })
    .refine((value) => value === 'auto' || value === 'root' || USER_IDS.test(value), { error: 'user is "auto", "root" or numeric "UID:GID" such as "1000:1000"' })
    .default('auto'),
  /** The image of the ownership-repair container (it needs `chown`); default the image the task ran in. */
  repairImage: z.string({ error: 'repairImage is an image reference' }).min(1, { error: 'repairImage is empty' }).optional(),
  /** Run a tiny init (docker-init) as PID 1, so SIGTERM reaches the task's shell and zombies are reaped. */
  init: z.boolean({ error: 'init is true or false' }).default(true),
});

/** What a user may write (every field optional). */
export type DockerBackendOptionsInput = z.input<typeof dockerBackendOptionsSchema>;
/** The options with every default filled in. */
export type DockerBackendOptions = z.output<typeof dockerBackendOptionsSchema>;

/**
 * Validates the `docker` section; the error (`config.invalid`) names the field under `path`, e.g. `docker.graceSeconds`.
 */
export function parseDockerBackendOptions(value: unknown, path = 'docker'): DockerBackendOptions {
  let options: DockerBackendOptions;
  try {
    options = parseWithSchema(dockerBackendOptionsSchema, value ?? {}, path);
  } catch (error) {
    if (!(error instanceof CapstanError)) throw error;
    const code = error.code === ErrorCode.InvalidValue ? ErrorCode.InvalidConfig : error.code;
    throw new CapstanError(code, error.message, { path: error.path, cause: error.cause, details: error.details });
  }
  if (options.host !== undefined && options.socketPath !== undefined) {
    throw new CapstanError(ErrorCode.InvalidConfig, 'give either host or socketPath, not both (socketPath would win)', { path: `${path}.socketPath` });
  }
  return options;
}
