import { CapstanError, ErrorCode, isDockerReference, normaliseGuestPath } from '@capstan/core-constraints';
import { showValue } from '../support/show-value';
import { type ValidatedTask } from './create-task-schema';

/** Kernel filesystems of the container: binding a task's files over them would hide or feed the kernel's view. */
const KERNEL_FOLDERS = ['/proc', '/sys', '/dev'] as const;
/** A `..` segment anywhere in a path. */
const PARENT_SEGMENT = /(?:^|\/)\.\.(?:\/|$)/;

const IMAGE_FIX =
  'name an image as [registry[:port]/]path[:tag][@digest] with a lower-case path, e.g. "ubuntu:22.04" or "quay.io/biocontainers/samtools:1.17--h00cdaf9_0"';

function refuse(path: string, value: unknown, problem: string, fix: string): never {
  throw new CapstanError(ErrorCode.TesInvalidTask, `${path} is ${showValue(value)}, ${problem}; ${fix}`, { path, details: { value: showValue(value) } });
}

interface PathField {
  readonly path: string;
  readonly value: string;
  /** Bound into the container as a mount (inputs, outputs, volumes): kernel folders are refused. */
  readonly bound: boolean;
}

function pathFields(task: ValidatedTask): PathField[] {
  const fields: PathField[] = [];
  task.inputs.forEach((input, index) => fields.push({ path: `inputs.${index}.path`, value: input.path, bound: true }));
  task.outputs.forEach((output, index) => {
    fields.push({ path: `outputs.${index}.path`, value: output.path, bound: true });
    if (output.path_prefix !== undefined) fields.push({ path: `outputs.${index}.path_prefix`, value: output.path_prefix, bound: true });
  });
  task.volumes.forEach((volume, index) => fields.push({ path: `volumes.${index}`, value: volume, bound: true }));
  task.executors.forEach((executor, index) => {
    for (const name of ['workdir', 'stdin', 'stdout', 'stderr'] as const) {
      const value = executor[name];
      if (value !== undefined) fields.push({ path: `executors.${index}.${name}`, value, bound: false });
    }
  });
  return fields;
}

/**
 * A container path becomes a host path below the task's folder and a bind spec (`host:guest[:options]`): a NUL
 * would cut it, a `:` would be read as the separator of a bind option, and `..` could lead out of the task's folder.
 */
function checkPath(field: PathField): void {
  const { path, value } = field;
  if (value.includes('\0')) refuse(path, value, 'which holds a NUL byte, and a path cannot', 'remove it');
  // Capstan's task model trims its paths: one that begins or ends with white space would be bound elsewhere than named.
  if (value !== value.trim()) refuse(path, value, 'which begins or ends with white space, which a container bind cannot keep', 'remove the white space');
  if (value.includes(':')) refuse(path, value, 'which holds ":", which a container bind cannot take (it separates the bind options)', 'rename the path without ":"');
  if (PARENT_SEGMENT.test(value)) refuse(path, value, 'which has a ".." component that could lead out of its folder', 'write the path without ".."');
  if (!field.bound) return;
  const normal = normaliseGuestPath(value);
  const kernel = KERNEL_FOLDERS.find((folder) => normal === folder || normal.startsWith(`${folder}/`));
  if (kernel !== undefined) {
    refuse(path, value, `which is under ${kernel}, a kernel filesystem of the container that task files may not be bound over`, 'use a folder such as "/data"');
  }
}

function checkNoNul(path: string, value: string | undefined, what: string): void {
  if (value?.includes('\0')) refuse(path, value, `which holds a NUL byte, and ${what} cannot`, 'remove it');
}

/** `docker://` is the one scheme an executor image may carry; what follows must be a Docker reference. */
function checkImage(path: string, image: string): void {
  const reference = image.startsWith('docker://') ? image.slice('docker://'.length) : image;
  if (!isDockerReference(reference)) refuse(path, image, 'not a Docker image reference', IMAGE_FIX);
}

/**
 * Refuses at creation (tes.invalid_task, naming the field and the value) what would only fail, or do harm, at run
 * time: an image that is not a Docker reference (an option such as "--privileged", a space, upper case), NUL bytes in
 * paths, argv, env and urls, `:` and `..` in paths, and files bound over /proc, /sys or /dev.
 */
export function checkSafeFields(task: ValidatedTask): void {
  task.executors.forEach((executor, index) => {
    const at = `executors.${index}`;
    checkImage(`${at}.image`, executor.image);
    // Each field's path is written only for the one refused: this runs for every word of every create.
    executor.command.forEach((word, argument) => {
      if (word.includes('\0')) checkNoNul(`${at}.command.${argument}`, word, 'a program argument');
    });
    const env = executor.env ?? {};
    for (const name of Object.keys(env)) {
      if (name.includes('\0')) checkNoNul(`${at}.env`, name, 'a variable name');
      if (env[name]?.includes('\0')) checkNoNul(`${at}.env.${name}`, env[name], 'a variable value');
    }
  });
  task.inputs.forEach((input, index) => checkNoNul(`inputs.${index}.url`, input.url, 'a url'));
  task.outputs.forEach((output, index) => checkNoNul(`outputs.${index}.url`, output.url, 'a url'));
  pathFields(task).forEach(checkPath);
}
