import { open } from 'node:fs/promises';
import { openSourceFile } from './open-source';

const CHUNK_BYTES = 1024 * 1024;

/**
 * Copies one regular file chunk by chunk into a new file, so that an abort stops it within a chunk and every chunk
 * is counted (`onBytes` gets the running total and may throw to stop, e.g. at a size limit). The copy is flushed to
 * disk before it is renamed into place by the caller. Returns the bytes copied.
 */
export async function copyFileContents(
  source: string,
  destination: string,
  mode: number,
  realRoots: readonly string[],
  signal: AbortSignal | undefined,
  onBytes: (bytesDone: number) => void,
): Promise<number> {
  const input = await openSourceFile(source, realRoots);
  try {
    const output = await open(destination, 'wx', mode);
    try {
      const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
      let bytesDone = 0;
      for (;;) {
        signal?.throwIfAborted();
        const { bytesRead } = await input.read(buffer, 0, CHUNK_BYTES, null);
        if (bytesRead === 0) break;
        await output.write(buffer, 0, bytesRead);
        bytesDone += bytesRead;
        onBytes(bytesDone);
      }
      await output.chmod(mode);
      await output.sync();
      return bytesDone;
    } finally {
      await output.close();
    }
  } finally {
    await input.close();
  }
}
