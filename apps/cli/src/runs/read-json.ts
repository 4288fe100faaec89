import { CapstanError, parseWithSchema } from '@capstan/core-constraints';
import { openTaskFile } from '@capstan/task-files';
import { type z } from 'zod';

export type JsonRead<T> = { readonly value: T } | { readonly problem: string } | undefined;

/**
 * A small JSON file Capstan wrote in a folder a task or another user might have touched: opened only through
 * task-files (no link followed, no FIFO or device opened), at most `maxBytes` read, checked against `schema`.
 * Undefined when there is no such file; a `problem` (never a throw) when it is not what Capstan writes.
 */
export async function readConfinedJson<T>(folder: string, name: string, schema: z.ZodType<T>, maxBytes: number): Promise<JsonRead<T>> {
  let text: string;
  try {
    const handle = await openTaskFile(folder, name);
    try {
      const buffer = Buffer.alloc(Math.min(maxBytes + 1, (await handle.stat()).size + 1));
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
      if (bytesRead > maxBytes) return { problem: `${name} is larger than ${maxBytes} bytes` };
      text = buffer.subarray(0, bytesRead).toString('utf8');
    } finally {
      await handle.close();
    }
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT') return undefined;
    if (error instanceof CapstanError) return { problem: error.message };
    throw error;
  }
  try {
    return { value: parseWithSchema(schema, JSON.parse(text), null) };
  } catch (error) {
    const where = error instanceof CapstanError && error.path !== null ? ` (at ${error.path})` : '';
    return { problem: `${name} is not a record Capstan wrote${where}: ${(error as Error).message}` };
  }
}
