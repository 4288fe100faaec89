import { CapstanError, ErrorCode, type ExecutionRequest, TASK_ROOT_MOUNT } from '@capstan/core-constraints';
import { type TesExecutor, type TesInput, type TesOutput, type TesResources, type TesTask } from '@capstan/tes-model';
import { posix } from 'node:path';

/** Where the executor's output streams are written in the container; uploaded to the attempt's stdout/stderr files. */
/**
 * Where the attempt's files go in the remote container: beside `/mnt/task`, not in it, because a TES server built on
 * Capstan (the api app) keeps `/mnt/task/work` and `/mnt/task/command` for its own engine in every executor.
 */
export const TES_GUEST_ROOT = '/mnt/tes-task';
export const TES_GUEST_WORK_DIR = posix.join(TES_GUEST_ROOT, 'work');
export const TES_GUEST_COMMAND_FILE = posix.join(TES_GUEST_ROOT, 'command');
export const GUEST_STDOUT = posix.join(TES_GUEST_ROOT, 'stdout');
export const GUEST_STDERR = posix.join(TES_GUEST_ROOT, 'stderr');

/** The body of POST /tasks this backend sends: a `tesTask` without the read-only fields. */
export type TesTaskSubmission = Required<Pick<TesTask, 'name' | 'description' | 'executors' | 'inputs' | 'outputs' | 'resources' | 'tags'>> & Pick<TesTask, 'volumes'>;

export interface TaskMappingContext {
  /** The command file's text, sent inside the task (`content`), so the server needs no access to it. */
  readonly command: string;
  /** Tags besides the request's labels (the instance and submission tags). */
  readonly tags: Readonly<Record<string, string>>;
  /** The URL the server is given for a host path (see `hostPathToUrl`). */
  readonly urlOf: (hostPath: string) => string;
}

const BYTES_PER_GB = 1e9;

/**
 * One attempt as one TES task with one executor, laid out like the container backends' attempts:
 * - the image is the first usable Docker candidate; the command is `[shell, /mnt/tes-task/command]` in `/mnt/tes-task/work`;
 * - the command file is an input with `content`; each input is an input of its host path's URL at its guest path;
 * - the work dir is an input DIRECTORY and an output DIRECTORY, both the URL of the attempt's work folder, so what the
 *   command writes there comes back; a writable input is also an output back to where it came from;
 * - the executor's stdout/stderr go to `/mnt/tes-task/stdout|stderr`, uploaded as FILE outputs to the attempt's files;
 * - cpu is rounded up to whole cores; memory and disks are in decimal GB (the spec's unit), rounded up to the MB;
 *   every disk mount but `/` becomes a TES volume (an empty shared folder), and `disk_gb` is the sum of all disks.
 */
export function toTesTask(request: ExecutionRequest, context: TaskMappingContext): TesTaskSubmission {
  const { constraints, paths } = request;
  if (constraints.gpu > 0 || constraints.fpga > 0) {
    throw new CapstanError(ErrorCode.AcceleratorUnavailable, `the task asks for ${constraints.gpu > 0 ? `${constraints.gpu} GPU(s)` : `${constraints.fpga} FPGA(s)`}, which TES 1.1 has no field to request; run it on a backend with accelerators (docker, podman, apptainer)`, {
      path: 'requirements',
    });
  }
  const executor: TesExecutor = {
    image: imageOf(request),
    command: [request.shell, TES_GUEST_COMMAND_FILE],
    workdir: TES_GUEST_WORK_DIR,
    stdout: GUEST_STDOUT,
    stderr: GUEST_STDERR,
    ...(Object.keys(request.env).length === 0 ? {} : { env: { ...request.env } }),
  };
  const workUrl = context.urlOf(paths.workDir);
  const inputs: TesInput[] = [
    // Empty content would read as "no content"; the engine always ends the command with a newline.
    { name: 'command', path: TES_GUEST_COMMAND_FILE, content: context.command === '' ? '\n' : context.command, type: 'FILE' },
    { name: 'work', path: TES_GUEST_WORK_DIR, url: workUrl, type: 'DIRECTORY' },
    ...request.inputs.map((input): TesInput => ({ path: input.guestPath, url: context.urlOf(input.hostPath), type: fileType(input.type) })),
  ];
  const outputs: TesOutput[] = [
    { name: 'work', path: TES_GUEST_WORK_DIR, url: workUrl, type: 'DIRECTORY' },
    { name: 'stdout', path: GUEST_STDOUT, url: context.urlOf(paths.stdoutFile), type: 'FILE' },
    { name: 'stderr', path: GUEST_STDERR, url: context.urlOf(paths.stderrFile), type: 'FILE' },
    ...request.inputs.filter((input) => input.writable === true).map((input): TesOutput => ({ path: input.guestPath, url: context.urlOf(input.hostPath), type: fileType(input.type) })),
  ];
  const volumes = Object.keys(constraints.disks).filter((mount) => mount !== TASK_ROOT_MOUNT).sort();
  const diskBytes = Object.values(constraints.disks).reduce((sum, bytes) => sum + bytes, 0);
  const resources: TesResources = {
    cpu_cores: Math.max(1, Math.ceil(constraints.cpu)),
    ram_gb: toGb(constraints.memory),
    ...(diskBytes > 0 ? { disk_gb: toGb(diskBytes) } : {}),
    backend_parameters_strict: false,
  };
  return {
    name: request.attemptName,
    description: `Capstan run ${request.runId}, task ${request.taskName}, attempt ${request.attempt}`,
    executors: [executor],
    inputs,
    outputs,
    resources,
    ...(volumes.length === 0 ? {} : { volumes }),
    tags: { ...request.labels, ...context.tags },
  };
}

/** Bytes as decimal GB, rounded up to the megabyte so a task never gets less than it asked for. */
export function toGb(bytes: number): number {
  return Math.ceil(bytes / 1e6) / (BYTES_PER_GB / 1e6);
}

function imageOf(request: ExecutionRequest): string {
  const docker = request.constraints.containers.find((source) => source.kind === 'docker' && source.problem === undefined);
  if (docker !== undefined) return docker.reference;
  const given = request.constraints.containers.map((source) => source.uri).join(', ') || '"*" (any environment)';
  throw new CapstanError(
    ErrorCode.NoUsableContainer,
    `the tes backend runs Docker images, and the task names none (${given}); give a Docker image in requirements.container, or set a default container for "*"`,
    { path: 'requirements.container' },
  );
}

function fileType(type: 'file' | 'directory'): 'FILE' | 'DIRECTORY' {
  return type === 'directory' ? 'DIRECTORY' : 'FILE';
}
