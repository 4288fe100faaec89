import { CapstanError, ErrorCode, type ExecutionInput, type Task, type TaskInput, URL_SOURCE } from '@capstan/core-constraints';
import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type RemoteFiles } from '../engine-options';

/** Where remote inputs are fetched to, and what fetches them; without it a remote source is refused. */
export interface RemoteStaging {
  readonly remote: RemoteFiles;
  /** The task's own folder: each remote input lands in `inputs/<index>` below it. */
  readonly folder: string;
  readonly signal: AbortSignal;
}

/**
 * Makes each input available to the backend as a host path: local files and folders (and `file://` URLs) are
 * checked to exist with the declared type and then bound in place, never copied. Other URL schemes are fetched
 * through `staging` into the task's folder (or only checked, when `staging` has no folder: a plan fetches nothing).
 */
export async function stageInputs(task: Task, remote?: RemoteFiles, staging?: Omit<RemoteStaging, 'remote'>): Promise<ExecutionInput[]> {
  return Promise.all(
    task.inputs.map(async (input, index) => {
      const path = `inputs.${index}.source`;
      const scheme = URL_SOURCE.exec(input.source)?.[1]?.toLowerCase();
      if (scheme !== undefined && scheme !== 'file') return stageRemote(input, index, scheme, remote, staging);
      const hostPath = scheme === 'file' ? fileURLToPath(input.source) : input.source;
      const info = await stat(hostPath).catch(() => undefined);
      if (info === undefined) {
        throw new CapstanError(ErrorCode.InvalidValue, `input ${hostPath} does not exist; check the input's source (relative sources are read from the task file's folder)`, {
          path,
          details: { value: hostPath },
        });
      }
      const isDirectory = info.isDirectory();
      if (isDirectory !== (input.type === 'directory')) {
        throw new CapstanError(
          ErrorCode.InvalidValue,
          `input ${hostPath} is a ${isDirectory ? 'directory' : 'file'} but is declared as type ${input.type}; set type: ${isDirectory ? 'directory' : 'file'}`,
          { path: `inputs.${index}.type`, details: { value: input.type } },
        );
      }
      return bound(input, hostPath);
    }),
  );
}

async function stageRemote(input: TaskInput, index: number, scheme: string, remote: RemoteFiles | undefined, staging: Omit<RemoteStaging, 'remote'> | undefined): Promise<ExecutionInput> {
  const fieldPath = `inputs.${index}.source`;
  if (remote === undefined) {
    throw new CapstanError(ErrorCode.InvalidValue, `input "${input.source}" is a ${scheme}:// URL, which the CLI cannot fetch yet; download it and give its host path`, {
      path: fieldPath,
      details: { value: input.source },
    });
  }
  await remote.check(input.source, fieldPath);
  // A plan checks the address only: fetching is the run's work, after admission.
  if (staging === undefined) return bound(input, input.source);
  const folder = join(staging.folder, 'inputs');
  await mkdir(folder, { recursive: true, mode: 0o700 });
  const hostPath = join(folder, String(index));
  await remote.fetch({ url: input.source, hostPath, type: input.type, fieldPath }, staging.signal);
  return bound(input, hostPath);
}

function bound(input: TaskInput, hostPath: string): ExecutionInput {
  return { hostPath, guestPath: input.path, type: input.type, ...(input.writable === true ? { writable: true } : {}) };
}
