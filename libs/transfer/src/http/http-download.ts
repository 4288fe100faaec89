import { open } from 'node:fs/promises';
import { type IncomingMessage } from 'node:http';
import { inputTooLarge } from '../errors/transfer-errors';
import { StagedTarget } from '../local/staged-target';
import { type ProgressReporter } from '../progress/progress-reporter';
import { fetchForDownload, interrupted, withHttpRetries, type HttpContext } from './http-exchange';
import { RetryableFailure } from './retry-policy';
import { StallWatchdog } from './stall-watchdog';

/**
 * GETs a URL into `target`: streamed into a temporary file next to it and renamed into place when complete, retried
 * from the start after a network error, a stall, HTTP 408/429/5xx. Stops at `maxBytes`. Returns the bytes written.
 */
export function downloadFile(context: HttpContext, target: string, progress: ProgressReporter, maxBytes: number): Promise<number> {
  return withHttpRetries(context, 'GET', async () => {
    const staged = await StagedTarget.create(target, 'file');
    try {
      const bytes = await downloadOnce(context, staged.tempPath, progress, maxBytes);
      await staged.install();
      return bytes;
    } finally {
      await staged.discard();
    }
  });
}

async function downloadOnce(context: HttpContext, tempPath: string, progress: ProgressReporter, maxBytes: number): Promise<number> {
  const watchdog = new StallWatchdog(context.settings.timeoutMs);
  try {
    // identity: the file is stored as the server holds it, not transparently decompressed.
    const response = await fetchForDownload(context, { 'accept-encoding': 'identity' }, watchdog);
    const announced = contentLength(response);
    if (announced !== null && announced > maxBytes) {
      response.destroy();
      throw inputTooLarge(context.subject, maxBytes, announced);
    }
    progress.setTotal(announced);
    progress.update(0);
    const output = await open(tempPath, 'wx');
    try {
      let bytes = 0;
      for await (const chunk of response as AsyncIterable<Buffer>) {
        watchdog.touch();
        bytes += chunk.byteLength;
        if (bytes > maxBytes) throw inputTooLarge(context.subject, maxBytes, null);
        await output.write(chunk);
        progress.update(bytes);
      }
      if (announced !== null && bytes !== announced) {
        throw new RetryableFailure(`the connection ended after ${bytes} of ${announced} bytes`);
      }
      await output.sync();
      return bytes;
    } finally {
      await output.close();
    }
  } catch (error) {
    throw interrupted(context, watchdog, error);
  } finally {
    watchdog.dispose();
  }
}

function contentLength(response: IncomingMessage): number | null {
  const header = response.headers['content-length'];
  return header !== undefined && /^\d+$/.test(header.trim()) ? Number(header) : null;
}
