import { CapstanError } from '@capstan/core-constraints';
import { type TransferAddress } from '../address/transfer-address';
import { describeSystemError, transferFailed, type TransferSubject } from '../errors/transfer-errors';
import { type TransferSettings } from '../options/transfer-options';
import { isRetryableStatus, parseRetryAfter, RetryableFailure, withRetries, type RetryClock } from './retry-policy';
import { type StallWatchdog } from './stall-watchdog';

/** What every request of one transfer shares. */
export interface HttpContext {
  readonly address: Extract<TransferAddress, { kind: 'http' }>;
  readonly subject: TransferSubject;
  readonly settings: TransferSettings;
  readonly clock: RetryClock;
  readonly signal: AbortSignal | undefined;
}

export type Method = 'GET' | 'PUT';

/**
 * GETs a URL with fetch and returns a 2xx response. A network error or a stall becomes a RetryableFailure, a status
 * is judged by `checkStatus`.
 */
export async function fetchForDownload(context: HttpContext, headers: Record<string, string>, watchdog: StallWatchdog): Promise<Response> {
  const signals = context.signal === undefined ? [watchdog.signal] : [context.signal, watchdog.signal];
  let response: Response;
  try {
    response = await fetch(context.address.url, { method: 'GET', headers: withAuthorization(context, headers), signal: AbortSignal.any(signals) });
  } catch (error) {
    throw interrupted(context, watchdog, error);
  }
  watchdog.touch();
  if (!response.ok) await response.body?.cancel().catch(() => undefined);
  checkStatus(context, 'GET', response.status, response.statusText, response.headers.get('retry-after'));
  return response;
}

export function withAuthorization(context: HttpContext, headers: Record<string, string>): Record<string, string> {
  const authorization = context.address.authorization;
  return authorization === null ? headers : { ...headers, authorization };
}

/**
 * Passes a 2xx status; a status worth retrying becomes a RetryableFailure (with the server's Retry-After), any other a
 * TransferFailed at once. Server bodies are never quoted (an error page may echo a signature back).
 */
export function checkStatus(context: HttpContext, method: Method, status: number, statusText: string, retryAfter: string | null): void {
  if (status >= 200 && status < 300) return;
  const shown = `HTTP ${status}${statusText === '' ? '' : ` ${statusText}`}`;
  if (isRetryableStatus(status)) throw new RetryableFailure(shown, parseRetryAfter(retryAfter, context.clock.now()));
  throw transferFailed(context.subject, `${method} ${context.subject.shownUrl} was answered with ${shown}`, fixForStatus(status, method), {
    details: { status },
  });
}

/**
 * An error while a request or its body was under way: the caller's abort, a decided failure and an error of the local
 * disk as they are; a stall or a network error as a RetryableFailure.
 */
export function interrupted(context: HttpContext, watchdog: StallWatchdog, error: unknown): unknown {
  if (context.signal?.aborted) return error;
  if (error instanceof RetryableFailure || error instanceof CapstanError || isLocalFileError(error)) return error;
  if (watchdog.fired) return new RetryableFailure(`no data moved for ${context.settings.timeoutMs} ms`);
  return new RetryableFailure(`a network error (${describeSystemError(error)})`);
}

/** Errors of the host's own disk (a full disk, a read-only folder): retrying the network would not help. */
const LOCAL_FILE_ERRORS = new Set(['ENOSPC', 'EDQUOT', 'EROFS', 'EACCES', 'EPERM', 'EISDIR', 'ENOTDIR', 'ENOENT', 'EMFILE', 'ENFILE', 'EIO']);

function isLocalFileError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && LOCAL_FILE_ERRORS.has(code);
}

/** Retries `attempt` under the transfer's settings; the final failure names the attempts and the reason. */
export function withHttpRetries<T>(context: HttpContext, method: Method, attempt: () => Promise<T>): Promise<T> {
  return withRetries(attempt, context.settings, context.clock, context.signal, (failure, attempts) =>
    transferFailed(
      context.subject,
      `${method} ${context.subject.shownUrl} failed after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${failure.reason}`,
      'check that the server is up and reachable from this host, or raise the transfer retries or timeoutMs',
      { details: { attempts } },
    ),
  );
}

function fixForStatus(status: number, method: Method): string {
  if (status === 401 || status === 403) return 'check the user and password in the URL, or that a pre-signed URL has not expired';
  if (status === 404 && method === 'GET') return 'check the URL: nothing is there';
  if (status === 405 || status === 501) return `the server does not take ${method} at this URL; use a URL that does`;
  if (status === 413) return 'the server refused the size; raise its upload limit';
  if (status >= 300 && status < 400) return 'redirects are not followed for uploads; give the final URL';
  return 'check the URL and the server';
}
