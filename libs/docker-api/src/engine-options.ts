import { CAPABILITY_NAME, CapstanError, DEFAULT_CAP_DROP, ErrorCode, parseWithSchema } from '@capstan/core-constraints';
import { z } from 'zod';
import { type LivenessOptions } from './daemon-liveness';
import { PULL_POLICIES } from './image-resolver';
import { DEFAULT_LOG_COPY_MAX_BYTES, LOG_COPY_MODES, MIN_LOG_COPY_MAX_BYTES } from './log-copy';

/** Option fields every Docker-API backend (docker, podman) shares, with the same meaning and checks. */
const NETWORK_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
const USER_IDS = /^[0-9]+:[0-9]+$/;
const REGISTRY_HOST = /^([a-zA-Z0-9.-]+|\[[0-9a-fA-F:]+\])(:[0-9]{1,5})?$/;
const ENGINE_ADDRESS = /^(unix:\/\/\/.+|tcp:\/\/[^/]+:[0-9]{1,5}\/?)$/;

/**
 * A check whose message is used as written (core-constraints' zod bridge keeps the message of a custom issue that
 * carries a `capstanCode`), with the value shown: `"bad net" is not a network ...`.
 */
export function configCheck<T>(
  test: (value: T) => boolean,
  explain: string,
): [(value: T) => boolean, { error: (issue: { input: unknown }) => string; params: { capstanCode: ErrorCode } }] {
  return [test, { error: (issue) => `${JSON.stringify(issue.input)} ${explain}`, params: { capstanCode: ErrorCode.InvalidConfig } }];
}

const registryLoginSchema = z.strictObject({
  username: z.string().refine(...configCheck((value: string) => value !== '', 'is not a user name: it is empty')),
  password: z.string(),
});

/** How one engine's messages name it: `daemon` / `docker.sock` / `/var/run/docker.sock`. */
export interface EngineNaming {
  readonly addressKind: string;
  readonly socketFile: string;
  readonly socketExample: string;
}

/** The shared fields, as a zod shape each backend spreads into its own strict object (adding its own fields). */
export function engineApiOptionsShape(naming: EngineNaming) {
  return {
    host: z
      .string()
      .refine(...configCheck((value: string) => ENGINE_ADDRESS.test(value), `is not a ${naming.addressKind} address; write "unix:///path/to/${naming.socketFile}" or "tcp://host:port"`))
      .optional(),
    socketPath: z.string().refine(...configCheck((value: string) => value.startsWith('/'), `is not an absolute path; give the socket as e.g. "${naming.socketExample}"`)).optional(),
    pullPolicy: z.enum(PULL_POLICIES).default('if-not-present'),
    registries: z
      .record(
        z.string().refine(...configCheck((value: string) => REGISTRY_HOST.test(value), 'is not a registry host; write a host with an optional port, e.g. "registry.example.org" or "127.0.0.1:5000"')),
        registryLoginSchema,
      )
      .default({}),
    network: z
      .string()
      .refine(...configCheck((value: string) => NETWORK_NAME.test(value), 'is not a network; give "bridge", "none", "host" or a network name (letters, digits, "_", ".", "-")'))
      .default('bridge'),
    /** What the hard memory limit is when no max_memory hint gives one: the request (default) or none. */
    memoryLimit: z.enum(['request', 'none']).default('request'),
    /** The most processes a task may have; null for no limit. */
    pidsLimit: z
      .number()
      .int()
      .refine(...configCheck((value: number) => value >= 16, 'processes would stop most shells; give at least 16, or null for no limit'))
      .nullable()
      .default(4096),
    /** Seconds between SIGTERM and SIGKILL when a task is stopped (cancel, timeout); the API takes whole seconds. */
    graceSeconds: z.number().int().min(0).max(3600).default(10),
    /** While an attempt waits, the daemon is pinged on its own connection this often (a frozen one never answers the wait). */
    livenessIntervalSeconds: z.number().int().min(1).max(3600).default(10),
    /** A ping not answered within this counts as failed. */
    livenessTimeoutSeconds: z.number().int().min(1).max(600).default(10),
    /** Failed pings in a row that end the attempt as lost; 0 turns the watch off. */
    livenessFailures: z.number().int().min(0).max(1000).default(3),
    /** Keep the container of a failed attempt for inspection (its output is in the attempt's files). */
    keepFailedContainers: z.boolean().default(false),
    /** `auto`, `root`, or numeric `UID:GID` (each backend says what `auto` means for it). */
    user: z
      .string()
      .refine(...configCheck((value: string) => value === 'auto' || value === 'root' || USER_IDS.test(value), 'is not a user; give "auto", "root" or numeric "UID:GID" such as "1000:1000"'))
      .default('auto'),
    /** The image of the ownership-repair container (it needs `chown`; never pulled); default the image the task ran in. */
    repairImage: z.string().refine(...configCheck((value: string) => value.trim() !== '', 'is not an image reference: it is empty')).optional(),
    /** Run a tiny init as PID 1, so SIGTERM reaches the task's shell and zombies are reaped. */
    init: z.boolean().default(true),
    /** Capabilities taken from every task container (`ALL` for every one); [] keeps the engine's default set. */
    capDrop: z
      .array(z.string().refine(...configCheck((value: string) => CAPABILITY_NAME.test(value), 'is not a capability; give a name such as "NET_RAW" (or "CAP_NET_RAW"), or "ALL"')))
      .default([...DEFAULT_CAP_DROP]),
    /**
     * A bounded copy of each task's output kept by the engine, so that a TES server restarted after a crash still gets
     * what a task printed while it was down: `auto` (the server's tasks only), `always`, `never`.
     */
    logCopy: z.enum(LOG_COPY_MODES).default('auto'),
    /** The bound of that copy per container, in bytes: its newest part is kept. */
    logCopyMaxBytes: z
      .number()
      .int()
      .refine(...configCheck((value: number) => value >= MIN_LOG_COPY_MAX_BYTES, `bytes is below the smallest log copy; give at least ${MIN_LOG_COPY_MAX_BYTES} (64 KiB), or logCopy: never for none`))
      .default(DEFAULT_LOG_COPY_MAX_BYTES),
  };
}

/** The liveness keys of a parsed section, in the watch's units. */
export function livenessOf(options: { livenessIntervalSeconds: number; livenessTimeoutSeconds: number; livenessFailures: number }): LivenessOptions {
  return { intervalMs: options.livenessIntervalSeconds * 1000, timeoutMs: options.livenessTimeoutSeconds * 1000, failures: options.livenessFailures };
}

/** Refuses `host` and `socketPath` together (the socket would silently win). */
export function oneEngineAddress(value: { host?: string | undefined; socketPath?: string | undefined }, context: z.RefinementCtx): void {
  if (value.host !== undefined && value.socketPath !== undefined) {
    context.addIssue({ code: 'custom', path: ['socketPath'], message: 'give either host or socketPath, not both (socketPath would win)', params: { capstanCode: ErrorCode.InvalidConfig } });
  }
}

/** Validates a backend's config section; every error is `config.invalid` and names the field under `path`. */
export function parseEngineOptions<T>(schema: z.ZodType<T>, value: unknown, path: string): T {
  try {
    return parseWithSchema(schema, value ?? {}, path);
  } catch (error) {
    if (!(error instanceof CapstanError) || error.code === ErrorCode.InvalidConfig) throw error;
    throw new CapstanError(ErrorCode.InvalidConfig, error.message, { path: error.path, cause: error.cause, details: error.details });
  }
}
