import { CapstanError } from '@capstan/core-constraints';
import type { Agent as HttpAgent, ClientRequest, IncomingMessage } from 'node:http';
import type { Agent as HttpsAgent } from 'node:https';
import { type AddressPolicy } from '../address/address-policy';
import { type TransferAddress } from '../address/transfer-address';
import { describeSystemError, transferFailed, transferRefused, type TransferSubject } from '../errors/transfer-errors';
import { type TransferSettings } from '../options/transfer-options';
import { isRetryableStatus, parseRetryAfter, RetryableFailure, withRetries, type RetryClock } from './retry-policy';
import { checkLiteralHost, guardedLookup, type Resolve } from './guarded-connect';
import { type StallWatchdog } from './stall-watchdog';

/** What every request of one transfer shares. */
export interface HttpContext {
  readonly address: Extract<TransferAddress, { kind: 'http' }>;
  readonly subject: TransferSubject;
  readonly settings: TransferSettings;
  readonly clock: RetryClock;
  readonly signal: AbortSignal | undefined;
  /** Which resolved addresses may be connected to, and how names are resolved. */
  readonly policy: AddressPolicy;
  readonly resolve: Resolve;
  /** The transfer's own connection pools: a pooled socket was checked when it connected, under this same policy. */
  readonly agents: { readonly http: HttpAgent; readonly https: HttpsAgent };
}

export type Method = 'GET' | 'PUT';

/** Redirects a GET follows (fetch follows 20; a data source needs far fewer). */
const MAX_REDIRECTS = 10;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/**
 * Opens a request whose connection goes only where the address policy allows: a literal host is checked here, a name
 * in the lookup a new socket connects through. Sockets are pooled per transfer (not in Node's global agent), so a
 * reused one was checked under the same allow-list when it connected.
 */
export function openRequest(context: HttpContext, url: URL, options: { method: Method; headers: Record<string, string>; signal: AbortSignal }): ClientRequest {
  const hop = url.href === context.address.url.href ? null : url;
  checkLiteralHost(context.policy, context.subject, url, hop);
  // Taken at the call, not imported: see FileAndHttpTransfer's agents (start-up cost of every run).
  const send = url.protocol === 'https:' ? process.getBuiltinModule('node:https').request : process.getBuiltinModule('node:http').request;
  const agent = url.protocol === 'https:' ? context.agents.https : context.agents.http;
  return send(url, { ...options, agent, lookup: guardedLookup(context.policy, context.subject, hop, context.resolve) });
}

/**
 * GETs a URL and returns a 2xx response, following redirects by hand so that every hop is checked against the
 * address policy like the first. A network error or a stall becomes a RetryableFailure, a status is judged by
 * `checkStatus`. Basic auth is not sent on to another origin (as fetch does).
 */
export async function fetchForDownload(context: HttpContext, headers: Record<string, string>, watchdog: StallWatchdog): Promise<IncomingMessage> {
  const signal = AbortSignal.any(context.signal === undefined ? [watchdog.signal] : [context.signal, watchdog.signal]);
  let url = context.address.url;
  let withAuth = true;
  for (let redirects = 0; ; redirects += 1) {
    let response: IncomingMessage;
    try {
      const request = openRequest(context, url, { method: 'GET', headers: withAuth ? withAuthorization(context, headers) : headers, signal });
      request.end();
      response = await responseTo(request);
    } catch (error) {
      throw interrupted(context, watchdog, error);
    }
    watchdog.touch();
    const status = response.statusCode ?? 0;
    const location = response.headers.location;
    if (!REDIRECT_STATUSES.has(status) || location === undefined) {
      if (status < 200 || status >= 300) response.destroy();
      const retryAfter = response.headers['retry-after'];
      checkStatus(context, 'GET', status, response.statusMessage ?? '', typeof retryAfter === 'string' ? retryAfter : null);
      return response;
    }
    response.destroy();
    const next = redirectTarget(context, url, location, redirects);
    if (next.origin !== url.origin) withAuth = false;
    url = next;
  }
}

function redirectTarget(context: HttpContext, from: URL, location: string, redirects: number): URL {
  if (redirects >= MAX_REDIRECTS) {
    throw transferFailed(context.subject, `${context.subject.shownUrl} redirected more than ${MAX_REDIRECTS} times`, 'give the final URL');
  }
  let next: URL;
  try {
    next = new URL(location, from);
  } catch {
    throw transferFailed(context.subject, `${context.subject.shownUrl} redirected to a Location that is not a URL`, 'give the final URL');
  }
  if (next.protocol !== 'http:' && next.protocol !== 'https:') {
    throw transferRefused(context.subject, `${context.subject.shownUrl} redirected to a ${next.protocol}// URL; only http(s) redirects are followed`, 'give the final URL');
  }
  next.username = '';
  next.password = '';
  return next;
}

/** The answer to a request, or the error that ended it first. */
export function responseTo(request: ClientRequest): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    request.once('response', resolve);
    request.once('error', reject);
    request.once('close', () => reject(new Error('the connection closed before an answer')));
  });
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
  if (isRetryableStatus(status)) throw new RetryableFailure(shown, parseRetryAfter(retryAfter, context.clock.now()) ?? null);
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
  if (status >= 300 && status < 400) {
    return method === 'PUT' ? 'redirects are not followed for uploads; give the final URL' : 'the redirect names no Location to follow; give the final URL';
  }
  return 'check the URL and the server';
}
