import { CapstanError, ErrorCode, parseWithSchema } from '@capstan/core-constraints';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { LOCAL_SOURCES } from './local-sources';

/** `if-not-present`: use a cached SIF, convert a missing one; `always`: convert again for every attempt; `never`: cache only. */
export type SifPullPolicy = 'if-not-present' | 'always' | 'never';
export const SIF_PULL_POLICIES = ['if-not-present', 'always', 'never'] as const satisfies readonly SifPullPolicy[];

const REGISTRY_HOST = /^([a-zA-Z0-9.-]+|\[[0-9a-fA-F:]+\])(:[0-9]{1,5})?$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const CAPABILITY = /^CAP_[A-Z_]+$/;
/** A cgroup folder below each controller's root: relative, no `..`, no empty segment. */
const CGROUP_PARENT = /^[A-Za-z0-9_.@-]+(\/[A-Za-z0-9_.@-]+)*$/;

/** The default folder of converted images: `~/.cache/capstan/apptainer`. */
export function defaultCacheDir(): string {
  return join(homedir(), '.cache', 'capstan', 'apptainer');
}

/** A check whose message is used as written, with the value shown (see docker-runner's options for the pattern). */
function check<T>(test: (value: T) => boolean, explain: string): [(value: T) => boolean, { error: (issue: { input: unknown }) => string; params: { capstanCode: ErrorCode } }] {
  return [test, { error: (issue) => `${JSON.stringify(issue.input)} ${explain}`, params: { capstanCode: ErrorCode.InvalidConfig } }];
}

const registryLoginSchema = z.strictObject({
  username: z.string().refine(...check((value: string) => value !== '', 'is not a user name: it is empty')),
  password: z.string(),
});

const registryHost = z.string().refine(...check((value: string) => REGISTRY_HOST.test(value), 'is not a registry host; write a host with an optional port, e.g. "registry.example.org" or "127.0.0.1:5000"'));

const argument = z.string().refine(...check((value: string) => value !== '' && !value.includes('\0'), 'is not a command-line argument (empty, or holds a NUL byte)'));

/**
 * The `apptainer` section of Capstan's configuration. Every field has a default, so `{}` is valid.
 *
 * Limits: the task's memory request is its hard limit unless `max_memory` gives one (`memoryLimit: 'request'`, as the
 * docker backend does), and `max_cpu` is a hard CPU quota; both through a cgroup Capstan makes for each attempt, when
 * the cgroup hierarchy is writable (root, or a delegated `cgroupParent`). Apptainer's own `--memory`/`--cpus` are not
 * used: Apptainer removes its cgroup when the container ends, and with it the OOM count Capstan reports from.
 */
export const apptainerBackendOptionsSchema = z.strictObject({
  /** The CLI: `apptainer`, `singularity`, or a path to either. Its flavour and version are probed. */
  binary: z.string().refine(...check((value: string) => value.trim() !== '' && !value.includes('\0'), 'is not a program name or path')).default('apptainer'),
  /** Where converted images (SIF files), their locks and temporary pulls live; shared by every Capstan process. Default `~/.cache/capstan/apptainer`. */
  cacheDir: z.string().refine(...check((value: string) => value.startsWith('/'), 'is not an absolute path; give the cache folder as e.g. "/var/cache/capstan/sif"')).optional(),
  pullPolicy: z.enum(SIF_PULL_POLICIES).default('if-not-present'),
  /** Longest a pull and conversion may take (seconds); it is stopped and the candidate fails after it. */
  pullTimeoutSeconds: z.number().positive().default(1800),
  /** Registry logins by host (with port), given to Apptainer as APPTAINER_DOCKER_USERNAME / _PASSWORD for docker:// and oras://. */
  registries: z.record(registryHost, registryLoginSchema).default({}),
  /** Registries reached over plain HTTP (`--no-https`) besides the loopback ones (localhost, 127.0.0.0/8, [::1]), which always are. */
  insecureRegistries: z.array(registryHost).default([]),
  /** `host` (Apptainer's default: the host's network) or `none` (`--net --network none`: only a loopback interface). */
  network: z.enum(['host', 'none']).default('host'),
  /** What the hard memory limit is when no max_memory hint gives one: the request (default) or none. */
  memoryLimit: z.enum(['request', 'none']).default('request'),
  /** `auto`: enforce cpu and memory limits with a cgroup per attempt when the hierarchy is writable; `off`: never. */
  cgroups: z.enum(['auto', 'off']).default('auto'),
  /** The cgroup folder (below each controller's root) that attempts' cgroups are made in; a delegated one for non-root users. */
  cgroupParent: z.string().refine(...check((value: string) => CGROUP_PARENT.test(value) && !value.split('/').includes('..'), 'is not a relative cgroup folder such as "capstan" or "user/capstan"')).default('capstan'),
  /**
   * The most "spares" kept ready: a fresh cgroup with a waiting shell already inside, so that an attempt only writes
   * its limits and hands over its command instead of moving into a new cgroup, which on cgroup v1 can wait 4-20 ms
   * for the kernel. One while attempts run, more when several start at once. 0: every attempt joins its own cgroup.
   */
  spares: z.number().int().min(0).max(64).default(4),
  /**
   * As root: run containers with `--no-privs` (root in the container, no capabilities). Needed where root lacks
   * capabilities Apptainer's default root mode asks for (CAP_SYS_RESOURCE in some sandboxes). Ignored for other users,
   * whose containers run unprivileged in a user namespace anyway.
   */
  noPrivs: z.boolean().default(true),
  /** As root with `noPrivs: false`: capabilities to drop (`--drop-caps`); the ones this process lacks are always added. */
  dropCaps: z.array(z.string().refine(...check((value: string) => CAPABILITY.test(value), 'is not a capability name such as "CAP_SYS_RESOURCE"'))).default([]),
  /** Extra arguments of `apptainer exec`, placed before the image (e.g. ["--writable-tmpfs"]). */
  extraArgs: z.array(argument).default([]),
  /** Extra arguments of `apptainer pull`, placed before the destination. */
  extraPullArgs: z.array(argument).default([]),
  /**
   * Engines whose local image stores a missing docker:// image is converted from, in this order, before its registry
   * is asked (after the SIF cache): `docker` (Apptainer's docker-daemon: source) and `podman` (`podman save`). A store
   * that lacks the image is passed over silently, one that cannot be asked with a warning. `[]`: registries only.
   */
  localSources: z
    .array(z.enum(LOCAL_SOURCES))
    .refine(...check((value: readonly string[]) => new Set(value).size === value.length, 'names a source twice; list each of docker and podman at most once'))
    .default([...LOCAL_SOURCES]),
  /** The Docker daemon the docker source asks (`DOCKER_HOST`, e.g. "unix:///run/user/1000/docker.sock"). Default: DOCKER_HOST, else /var/run/docker.sock. */
  dockerHost: z.string().refine(...check((value: string) => /^(unix|tcp):\/\/\S+$/.test(value), 'is not a Docker address; write "unix:///path/to/docker.sock" or "tcp://127.0.0.1:2375"')).optional(),
  /** The Podman service the podman source saves from (`podman --url`); default: the invoking user's own Podman store. */
  podmanUrl: z.string().refine(...check((value: string) => /^(unix|tcp|ssh):\/\/\S+$/.test(value), 'is not a Podman address; write "unix:///run/podman/podman.sock"')).optional(),
  /** The podman CLI of the podman source. */
  podmanBinary: z.string().refine(...check((value: string) => value.trim() !== '' && !value.includes('\0') && !value.startsWith('-'), 'is not a program name or path')).default('podman'),
  /** Variables passed from Capstan's environment to the apptainer process (never into the container: --cleanenv). */
  passEnv: z
    .array(z.string().refine(...check((value: string) => ENV_NAME.test(value), 'is not a variable name')))
    .default(['PATH', 'HOME', 'USER', 'LOGNAME', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR', 'XDG_RUNTIME_DIR']),
  /** Seconds between SIGTERM and SIGKILL when a task is stopped (cancel, timeout). */
  graceSeconds: z.number().nonnegative().max(3600).default(10),
});

/** What a user may write (every field optional). */
export type ApptainerBackendOptionsInput = z.input<typeof apptainerBackendOptionsSchema>;
/** The options with every default filled in. */
export type ApptainerBackendOptions = z.output<typeof apptainerBackendOptionsSchema>;

/** Validates the `apptainer` section; the error (`config.invalid`) names the field under `path`, e.g. `apptainer.binary`. */
export function parseApptainerBackendOptions(value: unknown, path = 'apptainer'): ApptainerBackendOptions {
  try {
    return parseWithSchema(apptainerBackendOptionsSchema, value ?? {}, path);
  } catch (error) {
    if (!(error instanceof CapstanError) || error.code === ErrorCode.InvalidConfig) throw error;
    throw new CapstanError(ErrorCode.InvalidConfig, error.message, { path: error.path, cause: error.cause, details: error.details });
  }
}
