/** What can be read from an error thrown by the Docker-API client: an HTTP status, a socket error code, a message. */
export interface DockerErrorInfo {
  /** The daemon's HTTP status; undefined when no response came. */
  readonly statusCode: number | undefined;
  /** A Node.js system error code (`ENOENT`, `ECONNREFUSED`, `ECONNRESET`, ...). */
  readonly code: string | undefined;
  /** The daemon's own message when it gave one, else the error's. */
  readonly message: string;
}

export function dockerErrorInfo(error: unknown): DockerErrorInfo {
  if (typeof error !== 'object' || error === null) return { statusCode: undefined, code: undefined, message: String(error) };
  const record = error as { statusCode?: unknown; code?: unknown; message?: unknown; json?: unknown };
  const json = record.json as { message?: unknown } | null | undefined;
  const daemonMessage = typeof json === 'object' && json !== null && typeof json.message === 'string' ? json.message : undefined;
  return {
    statusCode: typeof record.statusCode === 'number' ? record.statusCode : undefined,
    code: typeof record.code === 'string' ? record.code : undefined,
    // dockerode prefixes "(HTTP code 500) server error - " when it has no parsed body (streamed answers).
    message: (daemonMessage ?? (typeof record.message === 'string' ? record.message.replace(/^\(HTTP code \d+\) [^-]*- /, '') : String(error))).trim(),
  };
}

/** A 404 from the daemon: no such container, image or network. */
export function isNotFound(error: unknown): boolean {
  return dockerErrorInfo(error).statusCode === 404;
}
