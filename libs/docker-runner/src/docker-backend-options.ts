import { CapstanError, ErrorCode, parseWithSchema } from '@capstan/core-constraints';
import { PULL_POLICIES } from '@capstan/docker-api';
import { z } from 'zod';

const NETWORK_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
const USER_IDS = /^[0-9]+:[0-9]+$/;
const REGISTRY_HOST = /^([a-zA-Z0-9.-]+|\[[0-9a-fA-F:]+\])(:[0-9]{1,5})?$/;
const DOCKER_HOST = /^(unix:\/\/\/.+|tcp:\/\/[^/]+:[0-9]{1,5}\/?)$/;

/**
 * A check whose message is used as written (core-constraints' zod bridge keeps the message of a custom issue that
 * carries a `capstanCode`), with the value shown: `"bad net" is not a network ...`.
 */
function check<T>(test: (value: T) => boolean, explain: string): [(value: T) => boolean, { error: (issue: { input: unknown }) => string; params: { capstanCode: ErrorCode } }] {
  return [test, { error: (issue) => `${JSON.stringify(issue.input)} ${explain}`, params: { capstanCode: ErrorCode.InvalidConfig } }];
}

const registryLoginSchema = z.strictObject({
  username: z.string().refine(...check((value: string) => value !== '', 'is not a user name: it is empty')),
  password: z.string(),
});

/**
 * The `docker` section of Capstan's configuration. Every field has a default, so `{}` is valid.
 *
 * `memoryLimit: 'request'` (the default) makes the task's memory request its hard limit when no `max_memory` hint
 * gives one: WDL 1.2 says requirements must be enforced while the task runs, so a task asking for 2 GiB is held to
 * 2 GiB. (Sprocket enforces only `max_*` hints.) `'none'` leaves such tasks unlimited, the request only reserved.
 */
export const dockerBackendOptionsSchema = z
  .strictObject({
    /** `unix:///path/docker.sock` or `tcp://host:port`; default DOCKER_HOST, else /var/run/docker.sock. */
    host: z.string().refine(...check((value: string) => DOCKER_HOST.test(value), 'is not a daemon address; write "unix:///path/to/docker.sock" or "tcp://host:port"')).optional(),
    /** A unix socket path; wins over DOCKER_HOST. */
    socketPath: z.string().refine(...check((value: string) => value.startsWith('/'), 'is not an absolute path; give the socket as e.g. "/var/run/docker.sock"')).optional(),
    pullPolicy: z.enum(PULL_POLICIES).default('if-not-present'),
    /** Registry logins by host (with port): `{ "127.0.0.1:5000": { username, password } }`; they win over ~/.docker/config.json. */
    registries: z
      .record(
        z.string().refine(...check((value: string) => REGISTRY_HOST.test(value), 'is not a registry host; write a host with an optional port, e.g. "registry.example.org" or "127.0.0.1:5000"')),
        registryLoginSchema,
      )
      .default({}),
    /** `bridge` (default), `none`, `host`, or the name of an existing Docker network. */
    network: z.string().refine(...check((value: string) => NETWORK_NAME.test(value), 'is not a network; give "bridge", "none", "host" or a network name (letters, digits, "_", ".", "-")')).default('bridge'),
    /** What the hard memory limit is when no max_memory hint gives one: the request (default) or none. */
    memoryLimit: z.enum(['request', 'none']).default('request'),
    /** The most processes a task may have; null for no limit. */
    pidsLimit: z
      .number()
      .int()
      .refine(...check((value: number) => value >= 16, 'processes would stop most shells; give at least 16, or null for no limit'))
      .nullable()
      .default(4096),
    /** Seconds between SIGTERM and SIGKILL when a task is stopped (cancel, timeout); the Docker API takes whole seconds. */
    graceSeconds: z.number().int().min(0).max(3600).default(10),
    /** Keep the container of a failed attempt for inspection (its output is in the attempt's files, not `docker logs`). */
    keepFailedContainers: z.boolean().default(false),
    /**
     * Who the task runs as: `auto` (the invoking uid:gid when Capstan is not root; the image's own user when it is),
     * `root`, or numeric `UID:GID`.
     */
    user: z.string().refine(...check((value: string) => value === 'auto' || value === 'root' || USER_IDS.test(value), 'is not a user; give "auto", "root" or numeric "UID:GID" such as "1000:1000"')).default('auto'),
    /** The image of the ownership-repair container (it needs `chown`); default the image the task ran in. */
    repairImage: z.string().refine(...check((value: string) => value.trim() !== '', 'is not an image reference: it is empty')).optional(),
    /** Run a tiny init (docker-init) as PID 1, so SIGTERM reaches the task's shell and zombies are reaped. */
    init: z.boolean().default(true),
  })
  .superRefine((value, context) => {
    if (value.host !== undefined && value.socketPath !== undefined) {
      context.addIssue({
        code: 'custom',
        path: ['socketPath'],
        message: 'give either host or socketPath, not both (socketPath would win)',
        params: { capstanCode: ErrorCode.InvalidConfig },
      });
    }
  });

/** What a user may write (every field optional). */
export type DockerBackendOptionsInput = z.input<typeof dockerBackendOptionsSchema>;
/** The options with every default filled in. */
export type DockerBackendOptions = z.output<typeof dockerBackendOptionsSchema>;

/** Validates the `docker` section; the error (`config.invalid`) names the field under `path`, e.g. `docker.graceSeconds`. */
export function parseDockerBackendOptions(value: unknown, path = 'docker'): DockerBackendOptions {
  try {
    return parseWithSchema(dockerBackendOptionsSchema, value ?? {}, path);
  } catch (error) {
    if (!(error instanceof CapstanError) || error.code === ErrorCode.InvalidConfig) throw error;
    throw new CapstanError(ErrorCode.InvalidConfig, error.message, { path: error.path, cause: error.cause, details: error.details });
  }
}
