import { ErrorCode, isCapstanError } from '@capstan/core-constraints';
import { readTaskFileTail } from '@capstan/task-files';

/**
 * The last `maxBytes` of an executor's stream file as text, or '' when it is missing: the convenience tail TES puts
 * in an executor log. The file lives in a folder the task could write (its redirect target, or the attempt's capture),
 * so it is read only through the confined reader: a link out, a FIFO, socket or device gives '' and a warning naming
 * the path, never host content and never a hang.
 */
export async function readTail(root: string, path: string, maxBytes: number, warn: (message: string) => void): Promise<string> {
  try {
    return await readTaskFileTail(root, path, maxBytes);
  } catch (error) {
    if (isCapstanError(error) && error.code === ErrorCode.TaskFileRefused) warn(error.message);
    else if ((error as { code?: unknown } | null)?.code !== 'ENOENT') warn(`${path} could not be read: ${(error as Error).message}`);
    return '';
  }
}
