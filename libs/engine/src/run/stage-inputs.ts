import { CapstanError, ErrorCode, type ExecutionInput, type Task } from '@capstan/core-constraints';
import { stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const URL_SOURCE = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//;

/**
 * Makes each input available to the backend as a host path: local files and folders (and `file://` URLs) are
 * checked to exist with the declared type and then bound in place, never copied. Other URL schemes are refused here.
 */
export async function stageInputs(task: Task): Promise<ExecutionInput[]> {
  return Promise.all(
    task.inputs.map(async (input, index) => {
      const path = `inputs.${index}.source`;
      const scheme = URL_SOURCE.exec(input.source)?.[1]?.toLowerCase();
      if (scheme !== undefined && scheme !== 'file') {
        throw new CapstanError(ErrorCode.InvalidValue, `input "${input.source}" is a ${scheme}:// URL, which the CLI cannot fetch yet; download it and give its host path`, {
          path,
          details: { value: input.source },
        });
      }
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
      return { hostPath, guestPath: input.path, type: input.type, ...(input.writable === true ? { writable: true } : {}) };
    }),
  );
}
