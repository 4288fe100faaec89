import { CAPABILITY_NAME, DEFAULT_CAP_DROP, ErrorCode } from '@capstan/core-constraints';
import { z } from 'zod';
import { NODE_RUNTIMES } from './node-runtime';

const REGISTRY_HOST = /^([a-zA-Z0-9.-]+|\[[0-9a-fA-F:]+\])(:[0-9]{1,5})?$/;

/** A check whose message is used as written, with the value shown (see docker-runner's options for the pattern). */
export function configCheck<T>(
  test: (value: T) => boolean,
  explain: string,
): [(value: T) => boolean, { error: (issue: { input: unknown }) => string; params: { capstanCode: ErrorCode } }] {
  return [test, { error: (issue) => `${JSON.stringify(issue.input)} ${explain}`, params: { capstanCode: ErrorCode.InvalidConfig } }];
}

/** One word of a command line: not empty, no NUL, no line break. */
export const commandArgument = z.string().refine(...configCheck((value: string) => value !== '' && !/[\0\n\r]/.test(value), 'is not a command-line argument (empty, or holds a NUL or a line break)'));
const registryHost = z.string().refine(...configCheck((value: string) => REGISTRY_HOST.test(value), 'is not a registry host; write a host with an optional port, e.g. "127.0.0.1:5000"'));
const program = z.string().refine(...configCheck((value: string) => value.trim() !== '' && !/[\0\n\r]/.test(value), 'is not a program name or path'));

/**
 * The options of how a scheduler backend's jobs run the task on the node, the same in every such backend's section
 * (`slurm:`, `batch:`), spread into its schema.
 */
export const nodeOptionsShape = {
  /** What runs the task on the node: `apptainer` (default), `docker` or `podman`. It must be installed on every node. */
  runtime: z.enum(NODE_RUNTIMES).default('apptainer'),
  /** The runtime's CLI on the nodes: a name found on the job's PATH, or an absolute path. Default: the runtime's name. */
  runtimeBinary: program.optional(),
  /** Extra arguments of `apptainer exec` / `docker run` / `podman run`, placed before the image. */
  runtimeArgs: z.array(commandArgument).default([]),
  /** Docker and Podman: capabilities taken from the task's container (`--cap-drop`); [] keeps the engine's default set. */
  capDrop: z
    .array(z.string().refine(...configCheck((value: string) => CAPABILITY_NAME.test(value), 'is not a capability; give a name such as "NET_RAW" (or "CAP_NET_RAW"), or "ALL"')))
    .default([...DEFAULT_CAP_DROP]),
  /** `default`: the runtime's own network (Apptainer: the host's; Docker: a bridge); `none`: only a loopback interface. */
  network: z.enum(['default', 'none']).default('default'),
  /** Apptainer: where docker://, library:// and oras:// images are converted to SIF files, once; on a filesystem all nodes see. */
  sifCacheDir: z.string().refine(...configCheck((value: string) => value.startsWith('/'), 'is not an absolute path')).optional(),
  /** Apptainer: registry logins by host (with port), handed to the job in its environment, never written to a file. */
  registries: z.record(registryHost, z.strictObject({ username: z.string().min(1), password: z.string() })).default({}),
  /** Apptainer: hosts pulled over plain HTTP (`--no-https`) besides the loopback ones, which always are. */
  insecureRegistries: z.array(registryHost).default([]),
  /** Apptainer as root: `--no-privs` (root in the container without capabilities); ignored for other users. */
  noPrivs: z.boolean().default(true),
} as const;
