import { open } from 'node:fs/promises';

/**
 * The last `maxBytes` of a file as text (from the first whole line, when cut), or '' when the file is missing: the
 * convenience tail TES puts in an executor log. Invalid UTF-8 at the cut is replaced, never thrown on.
 */
export async function readTail(file: string, maxBytes: number): Promise<string> {
  if (maxBytes <= 0) return '';
  const handle = await open(file, 'r').catch(() => undefined);
  if (handle === undefined) return '';
  try {
    const { size } = await handle.stat();
    const length = Math.min(size, maxBytes);
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, size - length);
    const text = buffer.toString('utf8');
    if (length === size) return text;
    const newline = text.indexOf('\n');
    return newline === -1 || newline === text.length - 1 ? text : text.slice(newline + 1);
  } finally {
    await handle.close();
  }
}
