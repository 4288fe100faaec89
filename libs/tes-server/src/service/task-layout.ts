import { CapstanError, ErrorCode, GUEST_COMMAND_FILE, GUEST_WORK_DIR, normaliseGuestPath } from '@capstan/core-constraints';
import { readPathPattern, suggestedPathPrefix, type ValidatedTask } from '@capstan/tes-model';
import { join, posix } from 'node:path';

/** What the engine binds in every executor's container (its work dir and command file); TES paths must stay out of them. */
const RESERVED_GUEST_PATHS = [GUEST_WORK_DIR, GUEST_COMMAND_FILE] as const;

/** One bind of a host folder or file into every executor of the task, at the same container path. */
export interface TesMount {
  readonly guestPath: string;
  readonly hostPath: string;
  readonly type: 'file' | 'directory';
  /** Volumes and output folders are shared read-write between executors; inputs outside them are read-only. */
  readonly writable: boolean;
}

/** Where one input is written on the host before the first executor runs. */
export interface TesInputPlacement {
  readonly index: number;
  readonly guestPath: string;
  readonly hostPath: string;
  readonly type: 'file' | 'directory';
}

/**
 * How a TES task's container paths live on the host. Every container path P maps to `<root>/P`, so that files an
 * executor writes under a shared folder are where the next executor, and the output upload, look for them.
 */
export interface TesTaskLayout {
  readonly root: string;
  /** Sorted parents first, so that a bind inside another bind comes after it. */
  readonly mounts: readonly TesMount[];
  readonly inputs: readonly TesInputPlacement[];
  /** The folders to create before binding (the host side of every writable mount). */
  readonly folders: readonly string[];
}


function isUnder(path: string, folder: string): boolean {
  return path === folder || path.startsWith(folder === '/' ? '/' : `${folder}/`);
}

/** The host path of a container path under the task's root. */
export function hostPathOf(root: string, guestPath: string): string {
  const guest = normaliseGuestPath(guestPath);
  // Under the root `/` (the layout a create is checked with) a normal absolute path is its own host path.
  return root === '/' && guest.startsWith('/') ? guest : join(root, guest);
}

/** Keeps only the paths no other path in the list contains. */
function outermost(paths: readonly string[]): string[] {
  const sorted = [...new Set(paths)].sort((a, b) => a.length - b.length || (a < b ? -1 : 1));
  const kept: string[] = [];
  for (const path of sorted) if (!kept.some((folder) => isUnder(path, folder))) kept.push(path);
  return kept;
}

interface GuestPathUse {
  readonly path: string;
  readonly field: string;
}

/**
 * Every container path the task names must be absolute (the model checks), must not be `/` itself where a folder
 * would be bound, and must stay out of Capstan's own `/mnt/task`. Refused with the field named, at creation.
 */
function checkGuestPath(use: GuestPathUse, folderBound: boolean): void {
  const path = normaliseGuestPath(use.path);
  const reserved = RESERVED_GUEST_PATHS.find((own) => isUnder(path, own) || isUnder(own, path));
  if (reserved !== undefined) {
    throw new CapstanError(
      ErrorCode.TesInvalidTask,
      `${use.field} is ${JSON.stringify(use.path)}, which ${isUnder(path, reserved) ? 'is inside' : 'holds'} ${reserved}, a path Capstan binds for its own use in every container; use another folder, e.g. "/data${path.slice(posix.dirname(reserved).length) || '/'}"`,
      { path: use.field, details: { value: use.path } },
    );
  }
  if (folderBound && path === '/') {
    throw new CapstanError(
      ErrorCode.TesInvalidTask,
      `${use.field} is ${JSON.stringify(use.path)}, so the folder to share between executors would be the container's root, which cannot be bound; put it in a folder such as "/data"`,
      { path: use.field, details: { value: use.path } },
    );
  }
}

/** The folders that executors share read-write: volumes, and the folders outputs and redirected streams are written in. */
function sharedFolders(task: ValidatedTask): GuestPathUse[] {
  const folders: GuestPathUse[] = task.volumes.map((volume, index) => ({ path: volume, field: `volumes.${index}` }));
  task.outputs.forEach((output, index) => {
    const field = `outputs.${index}.path`;
    const pattern = readPathPattern(output.path);
    if (pattern.hasWildcards) folders.push({ path: suggestedPathPrefix(pattern.literalHead), field });
    else if (output.type === 'DIRECTORY') folders.push({ path: output.path, field });
    else folders.push({ path: posix.dirname(normaliseGuestPath(output.path)), field });
  });
  task.executors.forEach((executor, index) => {
    for (const stream of ['stdout', 'stderr'] as const) {
      const path = executor[stream];
      if (path !== undefined) folders.push({ path: posix.dirname(normaliseGuestPath(path)), field: `executors.${index}.${stream}` });
    }
  });
  return folders;
}

/**
 * Plans the host side of a task: shared folders bound read-write, inputs outside them bound read-only, every input
 * written at `<root>/<its path>`. Throws CapstanError tes.invalid_task (naming the field) for paths it cannot bind;
 * the server calls it when a task is created, so such tasks are refused with a 400.
 */
export function planTaskLayout(task: ValidatedTask, root: string): TesTaskLayout {
  const shared = sharedFolders(task);
  shared.forEach((use) => checkGuestPath(use, true));
  task.inputs.forEach((input, index) => checkGuestPath({ path: input.path, field: `inputs.${index}.path` }, false));
  task.executors.forEach((executor, index) => {
    if (executor.workdir !== undefined) checkGuestPath({ path: executor.workdir, field: `executors.${index}.workdir` }, false);
    if (executor.stdin !== undefined) checkGuestPath({ path: executor.stdin, field: `executors.${index}.stdin` }, false);
  });

  const writable = outermost(shared.map((use) => normaliseGuestPath(use.path)));
  const inputs = task.inputs.map((input, index) => ({
    index,
    guestPath: normaliseGuestPath(input.path),
    type: input.type === 'DIRECTORY' ? ('directory' as const) : ('file' as const),
  }));
  const outsideShared = inputs.filter((input) => !writable.some((folder) => isUnder(input.guestPath, folder)));
  const readOnly = outermost(outsideShared.map((input) => input.guestPath));
  for (const input of inputs) {
    const clash = inputs.find((other) => other !== input && other.type === 'file' && input.guestPath !== other.guestPath && isUnder(input.guestPath, other.guestPath));
    if (clash !== undefined) {
      throw new CapstanError(
        ErrorCode.TesInvalidTask,
        `inputs.${input.index}.path is ${JSON.stringify(input.guestPath)}, inside inputs.${clash.index}.path ${JSON.stringify(clash.guestPath)}, which is a file; give one of them another path`,
        { path: `inputs.${input.index}.path`, details: { value: input.guestPath } },
      );
    }
  }
  for (const folder of writable) {
    const file = inputs.find((input) => input.type === 'file' && input.guestPath !== folder && isUnder(folder, input.guestPath));
    if (file !== undefined) {
      throw new CapstanError(ErrorCode.TesInvalidTask, `inputs.${file.index}.path ${JSON.stringify(file.guestPath)} is a file, but the task also writes in ${JSON.stringify(folder)} below it; give the input another path`, {
        path: `inputs.${file.index}.path`,
        details: { value: file.guestPath },
      });
    }
    const sameAsFile = inputs.find((input) => input.type === 'file' && input.guestPath === folder);
    if (sameAsFile !== undefined) {
      throw new CapstanError(
        ErrorCode.TesInvalidTask,
        `inputs.${sameAsFile.index}.path ${JSON.stringify(folder)} is a file, but the task also uses it as a folder (a volume, or the folder of an output or of stdout/stderr); give the input another path`,
        { path: `inputs.${sameAsFile.index}.path`, details: { value: folder } },
      );
    }
  }

  const byPath = new Map(inputs.map((input) => [input.guestPath, input]));
  const mounts: TesMount[] = [
    ...writable.map((guestPath) => ({ guestPath, hostPath: hostPathOf(root, guestPath), type: 'directory' as const, writable: true })),
    ...readOnly.map((guestPath) => ({ guestPath, hostPath: hostPathOf(root, guestPath), type: byPath.get(guestPath)?.type ?? ('file' as const), writable: false })),
  ].sort((a, b) => depth(a.guestPath) - depth(b.guestPath) || (a.guestPath < b.guestPath ? -1 : 1));
  return {
    root,
    mounts,
    inputs: inputs.map((input) => ({ ...input, hostPath: hostPathOf(root, input.guestPath) })),
    folders: writable.map((guestPath) => hostPathOf(root, guestPath)),
  };
}

/** How many segments a normalised absolute path has (`/` none, `/data` one). */
function depth(path: string): number {
  if (path === '/') return 0;
  let slashes = 0;
  for (let index = path.indexOf('/'); index !== -1; index = path.indexOf('/', index + 1)) slashes += 1;
  return slashes;
}
