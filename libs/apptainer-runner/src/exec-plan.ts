import { CapstanError, type DiskFolder, ErrorCode, type ExecutionRequest, GUEST_COMMAND_FILE, GUEST_WORK_DIR } from '@capstan/core-constraints';
import { type ApptainerBackendOptions } from './apptainer-backend-options';
import { type CliFlavour, escapeEnvValue, variablePrefixes } from './apptainer-cli';

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** How this process may run containers: as root (with --no-privs or --drop-caps), or as an ordinary user. */
export interface Privileges {
  readonly root: boolean;
  /** Capabilities this process's permitted set lacks (Apptainer's root mode asks for all of them). */
  readonly missingCapabilities: readonly string[];
}

export interface ExecPlanInput {
  readonly request: ExecutionRequest;
  /** The SIF (or other local image) to run. */
  readonly image: string;
  readonly options: Pick<ApptainerBackendOptions, 'network' | 'noPrivs' | 'dropCaps' | 'extraArgs'>;
  readonly flavour: CliFlavour;
  readonly privileges: Privileges;
  readonly disks: readonly DiskFolder[];
}

export interface ExecPlan {
  /** The arguments after the binary. */
  readonly args: string[];
  /** The task's variables, in the form this flavour reads them (APPTAINERENV_NAME=escaped value). */
  readonly env: Record<string, string>;
}

/**
 * `apptainer -q exec` for one attempt:
 * - `--containall` (own /tmp, /var/tmp, IPC and PID namespaces, empty home, no host folders but ours) and `--cleanenv`
 *   (only the task's variables, passed as APPTAINERENV_*, never on the command line where `ps` shows them);
 * - the same guest paths as Docker: the work dir read-write at /mnt/task/work (also the working directory), the
 *   command file read-only at /mnt/task/command, each input read-only at its guest path, extra disks read-write;
 *   as `--mount` (CSV fields, so commas and colons in paths are safe);
 * - as root, `--no-privs` (or `--drop-caps` with what this process lacks); `--net --network none` when asked;
 *   `--nv` when GPUs are requested; the configured extra arguments; then `SHELL /mnt/task/command`.
 * `-q` keeps Apptainer's INFO/WARNING lines out of the task's stderr (errors still show).
 */
export function buildExecPlan(input: ExecPlanInput): ExecPlan {
  const { request, options, privileges } = input;
  const prefix = variablePrefixes(input.flavour).env;
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.env)) {
    if (!ENV_NAME.test(name)) {
      throw new CapstanError(ErrorCode.InvalidValue, `"${name}" is not a variable name Apptainer can pass (letters, digits and "_", not starting with a digit)`, { path: 'env', details: { value: name } });
    }
    env[`${prefix}${name}`] = escapeEnvValue(value);
  }
  const privilegeArgs: string[] = [];
  if (privileges.root) {
    if (options.noPrivs) privilegeArgs.push('--no-privs');
    else {
      const drop = [...new Set([...options.dropCaps, ...privileges.missingCapabilities])];
      if (drop.length > 0) privilegeArgs.push('--drop-caps', drop.join(','));
    }
  }
  const mounts = [
    mount(request.paths.workDir, GUEST_WORK_DIR, false),
    mount(request.paths.commandFile, GUEST_COMMAND_FILE, true),
    ...request.inputs.map((item) => mount(item.hostPath, item.guestPath, item.writable !== true)),
    ...input.disks.map((disk) => mount(disk.hostPath, disk.mountPoint, false)),
  ];
  return {
    args: [
      '-q',
      'exec',
      ...privilegeArgs,
      '--containall',
      '--cleanenv',
      ...(options.network === 'none' ? ['--net', '--network', 'none'] : []),
      ...(request.constraints.gpu > 0 ? ['--nv'] : []),
      '--pwd',
      GUEST_WORK_DIR,
      ...mounts.flatMap((spec) => ['--mount', spec]),
      ...options.extraArgs,
      input.image,
      request.shell,
      GUEST_COMMAND_FILE,
    ],
    env,
  };
}

/** `type=bind,src=...,dst=...[,ro]`, each field CSV-quoted when it holds a comma or a quote. */
export function mount(source: string, destination: string, readOnly: boolean): string {
  for (const path of [source, destination]) {
    if (/[\n\r\0]/.test(path)) throw new CapstanError(ErrorCode.InvalidValue, `${JSON.stringify(path)} cannot be mounted: it holds a line break or NUL`, { details: { value: path } });
  }
  return ['type=bind', csvField(`src=${source}`), csvField(`dst=${destination}`), ...(readOnly ? ['ro'] : [])].join(',');
}

function csvField(field: string): string {
  return /[",]/.test(field) ? `"${field.replace(/"/g, '""')}"` : field;
}

