import { CapstanError, ErrorCode, parseWithSchema } from '@capstan/core-constraints';
import { PULL_POLICIES } from '@capstan/docker-api';
import { z } from 'zod';

const NETWORK_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
const USER_IDS = /^[0-9]+:[0-9]+$/;
const REGISTRY_HOST = /^([a-zA-Z0-9.-]+|\[[0-9a-fA-F:]+\])(:[0-9]{1,5})?$/;
const SERVICE_HOST = /^(unix:\/\/\/.+|tcp:\/\/[^/]+:[0-9]{1,5}\/?)$/;

/** A check whose message is used as written, with the value shown (core-constraints' zod bridge keeps it). */
function check<T>(test: (value: T) => boolean, explain: string): [(value: T) => boolean, { error: (issue: { input: unknown }) => string; params: { capstanCode: ErrorCode } }] {
  return [test, { error: (issue) => `${JSON.stringify(issue.input)} ${explain}`, params: { capstanCode: ErrorCode.InvalidConfig } }];
}

const registryLoginSchema = z.strictObject({
  username: z.string().refine(...check((value: string) => value !== '', 'is not a user name: it is empty')),
  password: z.string(),
});

/** `refuse`: a short image name is not used (the error names the fully qualified forms); `docker.io`: qualified as Docker does. */
export const SHORT_NAME_POLICIES = ['refuse', 'docker.io'] as const;
export type ShortNamePolicy = (typeof SHORT_NAME_POLICIES)[number];

/** `auto`: keep-id under a rootless service, the service's default under a rootful one. */
export const USERNS_MODES = ['auto', 'keep-id', 'host'] as const;
export type UsernsMode = (typeof USERNS_MODES)[number];

/**
 * The `podman` section of Capstan's configuration. Every field has a default, so `{}` is valid. The fields shared with
 * the docker backend mean the same there; the Podman-only ones are `userns` and `shortNames`.
 */
export const podmanBackendOptionsSchema = z
  .strictObject({
    /** `unix:///path/podman.sock` or `tcp://host:port`; default CONTAINER_HOST, else the rootful or the user's rootless socket. */
    host: z
      .string()
      .refine(...check((value: string) => SERVICE_HOST.test(value), 'is not a service address; write "unix:///path/to/podman.sock" or "tcp://host:port"'))
      .optional(),
    /** A unix socket path; wins over CONTAINER_HOST. */
    socketPath: z.string().refine(...check((value: string) => value.startsWith('/'), 'is not an absolute path; give the socket as e.g. "/run/podman/podman.sock"')).optional(),
    pullPolicy: z.enum(PULL_POLICIES).default('if-not-present'),
    /** Registry logins by host (with port); they win over Podman's auth.json and ~/.docker/config.json. */
    registries: z
      .record(
        z.string().refine(...check((value: string) => REGISTRY_HOST.test(value), 'is not a registry host; write a host with an optional port, e.g. "registry.example.org" or "127.0.0.1:5000"')),
        registryLoginSchema,
      )
      .default({}),
    /** `bridge` (the service's default network), `none`, `host`, `slirp4netns`, or the name of an existing Podman network. */
    network: z
      .string()
      .refine(...check((value: string) => NETWORK_NAME.test(value), 'is not a network; give "bridge", "none", "host" or a network name (letters, digits, "_", ".", "-")'))
      .default('bridge'),
    /** What the hard memory limit is when no max_memory hint gives one: the request (default) or none. */
    memoryLimit: z.enum(['request', 'none']).default('request'),
    /** The most processes a task may have; null for no limit (Podman's own default, 2048, is not used). */
    pidsLimit: z
      .number()
      .int()
      .refine(...check((value: number) => value >= 16, 'processes would stop most shells; give at least 16, or null for no limit'))
      .nullable()
      .default(4096),
    /** Seconds between SIGTERM and SIGKILL when a task is stopped (cancel, timeout). */
    graceSeconds: z.number().int().min(0).max(3600).default(10),
    /** Keep the container of a failed attempt for inspection (`podman ps -a`; its output is in the attempt's files). */
    keepFailedContainers: z.boolean().default(false),
    /**
     * Who the task runs as. `auto`: under a rootless service, the user namespace decides (see `userns`: keep-id runs
     * the task as the service's own user); under a rootful one, as with Docker, the invoking uid:gid when Capstan is not
     * root and the image's own user when it is. `root`, or numeric `UID:GID`, as given.
     */
    user: z
      .string()
      .refine(...check((value: string) => value === 'auto' || value === 'root' || USER_IDS.test(value), 'is not a user; give "auto", "root" or numeric "UID:GID" such as "1000:1000"'))
      .default('auto'),
    /**
     * The user namespace. `auto`: `keep-id` under a rootless service (the task runs as the user who owns the service, so
     * what it writes is theirs with no repair step), the service's default under a rootful one. `keep-id` needs a
     * rootless service; `host` leaves a rootless service's default (container root is the user, other ids are
     * subordinate ids).
     */
    userns: z.enum(USERNS_MODES).default('auto'),
    /**
     * What a short image name (`busybox:1`, `org/tool:2`) means. `refuse` (default): the candidate is not used, and the
     * error names its fully qualified forms (`docker.io/library/busybox:1`, `localhost/busybox:1`) and which of them
     * this service has. `docker.io`: qualified as Docker would (`docker.io/library/busybox:1`), with a warning.
     */
    shortNames: z.enum(SHORT_NAME_POLICIES).default('refuse'),
    /** The image of the ownership-repair container (it needs `chown`; fully qualified; never pulled); default the task's image. */
    repairImage: z.string().refine(...check((value: string) => value.trim() !== '', 'is not an image reference: it is empty')).optional(),
    /** Run catatonit as PID 1 (`--init`), so SIGTERM reaches the task's shell and zombies are reaped. Needs the catatonit package. */
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
export type PodmanBackendOptionsInput = z.input<typeof podmanBackendOptionsSchema>;
/** The options with every default filled in. */
export type PodmanBackendOptions = z.output<typeof podmanBackendOptionsSchema>;

/** Validates the `podman` section; the error (`config.invalid`) names the field under `path`, e.g. `podman.userns`. */
export function parsePodmanBackendOptions(value: unknown, path = 'podman'): PodmanBackendOptions {
  try {
    return parseWithSchema(podmanBackendOptionsSchema, value ?? {}, path);
  } catch (error) {
    if (!(error instanceof CapstanError) || error.code === ErrorCode.InvalidConfig) throw error;
    throw new CapstanError(ErrorCode.InvalidConfig, error.message, { path: error.path, cause: error.cause, details: error.details });
  }
}
