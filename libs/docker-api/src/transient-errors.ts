import { dockerErrorInfo } from './docker-error';

/** Socket errors of a connection that broke while the daemon was (or had been) answering. */
const BROKEN_CONNECTION = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNABORTED', 'EAI_AGAIN', 'UND_ERR_SOCKET']);
/** Socket errors meaning nothing listens; transient only while a daemon restarts, i.e. after it once answered. */
export const NO_DAEMON = new Set(['ENOENT', 'ECONNREFUSED']);

/** 409 conflicts that go away by themselves (another operation on the same object is finishing). */
const TRANSIENT_CONFLICT = /in progress|is restarting|is paused|try again|locked/i;
/** 5xx answers that will not change on a retry: the request itself is wrong for this daemon or image. */
const PERMANENT_SERVER_ERROR =
  /OCI runtime|executable file not found|no such file or directory|not found|invalid|unauthorized|denied|no basic auth|manifest unknown|conflict|dial tcp|no such host|connection refused/i;

/**
 * Whether a failed Docker-API call is worth repeating: broken connections, 409 conflicts that are really transient,
 * and 5xx answers that are not about the request itself. `daemonSeen` says whether the daemon answered before, so a
 * refused connection is a restart in progress rather than no daemon at all.
 */
export function isTransientDockerError(error: unknown, daemonSeen: boolean): boolean {
  const { statusCode, code, message } = dockerErrorInfo(error);
  if (statusCode === undefined) {
    if (code === undefined) return false;
    return BROKEN_CONNECTION.has(code) || (daemonSeen && NO_DAEMON.has(code));
  }
  if (statusCode === 409) return TRANSIENT_CONFLICT.test(message);
  if (statusCode >= 500) return !PERMANENT_SERVER_ERROR.test(message);
  return false;
}
