import type Dockerode from 'dockerode';

/** The error of an answer whose connection closed first; `ECONNRESET` so the retry policy re-issues the call. */
export class ConnectionClosedError extends Error {
  readonly code = 'ECONNRESET';
  constructor(what: string) {
    super(`the connection closed before the daemon answered the ${what}`);
  }
}

/** The daemon's wait: Docker's (`not-running`) or Podman's own libpod endpoint. Resolves with the exit code. */
export async function dialContainerWait(api: Dockerode, id: string, libpod: boolean, signal?: AbortSignal): Promise<number> {
  const answer = libpod
    ? await dialAnswer(
        api,
        'container wait',
        {
          path: `/v4.0.0/libpod/containers/${encodeURIComponent(id)}/wait?`,
          // 50 ms answered in 55-58 ms here; 100 ms took 104 ms.
          options: { condition: ['stopped', 'exited'], interval: '50ms' },
        },
        signal,
      )
    : await dialAnswer(api, 'container wait', { path: `/containers/${encodeURIComponent(id)}/wait?`, options: { condition: 'not-running' } }, signal);
  return statusCodeOf(answer);
}

/** A wait asked for before the start: `registered` once the daemon sent its headers, `exited` with the status code. */
export interface EarlyWait {
  readonly registered: Promise<void>;
  readonly exited: Promise<number>;
}

/**
 * Docker's `next-exit` wait, asked for before the container starts (as `docker run` does), so no request is left to
 * make once it runs. Not re-issued: after the start a `next-exit` wait would wait for an exit that already happened.
 * The daemon sends the headers once the wait is in place; start only after `registered`.
 */
export function dialEarlyWait(api: Dockerode, id: string, signal: AbortSignal): EarlyWait {
  let onHeaders: () => void = () => undefined;
  const registered = new Promise<void>((resolve) => (onHeaders = resolve));
  const exited = dialAnswer(api, 'container wait', { path: `/containers/${encodeURIComponent(id)}/wait?`, options: { condition: 'next-exit' } }, signal, onHeaders).then(statusCodeOf);
  // A wait that fails before its headers was never in place: `registered` rejects with it.
  return { registered: Promise.race([registered, exited.then(() => undefined)]), exited };
}

function statusCodeOf(answer: unknown): number {
  if (typeof answer === 'number') return answer;
  if (typeof answer === 'object' && answer !== null && typeof (answer as { StatusCode?: unknown }).StatusCode === 'number') return (answer as { StatusCode: number }).StatusCode;
  return Number(answer);
}

/**
 * A POST whose answer comes long after the headers (a wait). dockerode's own call never settles when the connection
 * closes between the headers and the body, because the response's abort is not reported: the body is read here, and
 * a close before its end rejects with `ConnectionClosedError`.
 */
function dialAnswer(api: Dockerode, what: string, request: { path: string; options: Record<string, unknown> }, signal?: AbortSignal, onHeaders?: () => void): Promise<unknown> {
  return new Promise((resolve, reject) => {
    api.modem.dial(
      // The signal destroys the request: a wait on a daemon that froze holds its connection open otherwise.
      { ...request, ...(signal === undefined ? {} : { abortSignal: signal }), method: 'POST', isStream: true, statusCodes: { 200: true, 400: 'bad parameter', 404: 'no such container', 500: 'server error' } },
      (error: unknown, response: unknown) => {
        if (error) return reject(error); // as it is: its code and statusCode decide what follows
        onHeaders?.();
        const body = response as NodeJS.ReadableStream;
        const chunks: Buffer[] = [];
        let ended = false;
        body.on('data', (chunk: Buffer) => chunks.push(chunk));
        body.once('end', () => {
          ended = true;
          const text = Buffer.concat(chunks).toString('utf8').trim();
          try {
            resolve(JSON.parse(text));
          } catch {
            reject(new ConnectionClosedError(what));
          }
        });
        body.once('error', () => undefined); // the close that follows decides
        body.once('close', () => {
          if (!ended) reject(new ConnectionClosedError(what));
        });
      },
    );
  });
}
