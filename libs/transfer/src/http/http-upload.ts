import { type ClientRequest } from 'node:http';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { openSourceFile } from '../local/open-source';
import { type SourceFile } from '../local/source-tree';
import { checkStatus, interrupted, openRequest, responseTo, withAuthorization, withHttpRetries, type HttpContext } from './http-exchange';
import { StallWatchdog } from './stall-watchdog';

const CHUNK_BYTES = 256 * 1024;

/**
 * PUTs one file to `url` as a streamed body with its Content-Length (object stores refuse chunked uploads), retried
 * from the start like a download. `onBytes` gets the bytes sent so far in the current attempt.
 *
 * Uploads, like downloads, use node:http rather than fetch: the connection must go to the address the address guard
 * checked (a lookup of our own, on every request), which fetch cannot be told. A pipeline into http.request is also
 * paced by the socket (Node 20's fetch held a streamed request body in memory, nodejs/undici#4058).
 */
export function uploadFile(context: HttpContext, url: URL, file: SourceFile, realRoots: readonly string[], onBytes: (bytesSent: number) => void): Promise<void> {
  return withHttpRetries(context, 'PUT', () => putOnce(context, url, file, realRoots, onBytes));
}

async function putOnce(context: HttpContext, url: URL, file: SourceFile, realRoots: readonly string[], onBytes: (bytesSent: number) => void): Promise<void> {
  const watchdog = new StallWatchdog(context.settings.timeoutMs);
  const signals = context.signal === undefined ? [watchdog.signal] : [context.signal, watchdog.signal];
  const headers = withAuthorization(context, { 'content-length': String(file.size), 'content-type': 'application/octet-stream' });
  const input = await openSourceFile(file.realPath, realRoots);
  const source = input.createReadStream({ highWaterMark: CHUNK_BYTES }); // closes the file when done or destroyed
  let request: ClientRequest;
  try {
    request = openRequest(context, url, { method: 'PUT', headers, signal: AbortSignal.any(signals) });
  } catch (error) {
    source.destroy();
    watchdog.dispose();
    throw error;
  }
  const answered = responseTo(request);
  answered.catch(() => undefined); // awaited below; a failure before that is seen through the pipeline
  try {
    const sending = pipeline(source, countBytes(watchdog, onBytes), request);
    sending.catch(() => undefined); // awaited below after a 2xx; after an early error answer, the answer counts
    const response = await answered;
    response.resume();
    watchdog.touch();
    const retryAfter = response.headers['retry-after'];
    checkStatus(context, 'PUT', response.statusCode ?? 0, response.statusMessage ?? '', typeof retryAfter === 'string' ? retryAfter : null);
    await sending;
  } catch (error) {
    throw interrupted(context, watchdog, error);
  } finally {
    watchdog.dispose();
    request.destroy();
    source.destroy();
  }
}

/** Passes chunks through, restarting the stall timer and reporting the running total. */
function countBytes(watchdog: StallWatchdog, onBytes: (bytesSent: number) => void): Transform {
  let sent = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      watchdog.touch();
      sent += chunk.length;
      onBytes(sent);
      callback(null, chunk);
    },
  });
}
