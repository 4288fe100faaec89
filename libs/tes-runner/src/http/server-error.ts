import { CapstanError, ErrorCode } from '@capstan/core-constraints';
import { EXAMPLE_TES_URL } from '../tes-backend-options';

/** What was asked, for the message: `POST /tasks`, `GET /tasks/abc`. */
export interface RequestLine {
  readonly method: string;
  /** The path below the API base, e.g. `/tasks` or `/tasks/abc:cancel`. */
  readonly endpoint: string;
}

/** What an error body says, whichever shape it has: Capstan's `{code, message, path}`, Funnel's `{error}`, grpc-gateway's `{code, message}`. */
export interface ServerComplaint {
  readonly message: string | undefined;
  readonly code: string | undefined;
  /** The field the server names (`inputs.1.url`), when it names one. */
  readonly field: string | undefined;
}

const KNOWN_CODES = new Set<string>(Object.values(ErrorCode));
const MAX_QUOTED = 500;

/** Reads an error body; a body that is not JSON is quoted as text (its first line, cut short). */
export function readComplaint(body: string): ServerComplaint {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    const text = body.trim().split('\n')[0]?.trim() ?? '';
    return { message: text === '' ? undefined : cut(text), code: undefined, field: undefined };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return { message: cut(body.trim()), code: undefined, field: undefined };
  const record = parsed as Record<string, unknown>;
  const text = (key: string): string | undefined => (typeof record[key] === 'string' && record[key] !== '' ? (record[key] as string) : undefined);
  return {
    message: cutOptional(text('message') ?? text('error') ?? text('detail') ?? text('msg')),
    code: text('code'),
    field: text('path') ?? text('field'),
  };
}

/**
 * The CapstanError for a 4xx answer (other than 429, which is retried). The code is the server's own when it is one
 * of Capstan's codes (Capstan's api sends them), else it follows the status; the path is the field the server names.
 * `redact` removes credentials from anything quoted.
 */
export function serverError(status: number, statusText: string, body: string, request: RequestLine, redact: (text: string) => string = (text) => text): CapstanError {
  const complaint = readComplaint(body);
  const field = complaint.field === undefined ? undefined : redact(complaint.field);
  const said = complaint.message === undefined ? 'no reason given' : redact(complaint.message);
  const answer = `${status}${statusText === '' ? '' : ` ${statusText}`}`;
  const onTask = /^\/tasks\/[^/]+$/.test(request.endpoint) || /:cancel$/.test(request.endpoint);
  const code = complaint.code !== undefined && KNOWN_CODES.has(complaint.code) ? (complaint.code as ErrorCode) : codeForStatus(status, request, onTask);
  const message = `the TES server answered ${request.method} ${request.endpoint} with ${answer}${field === undefined ? '' : ` about ${field}`}: ${said}; ${fixFor(status, request, onTask)}`;
  return new CapstanError(code, message, {
    path: field ?? null,
    details: { status, request: `${request.method} ${request.endpoint}`, ...(complaint.code === undefined ? {} : { serverCode: complaint.code }) },
  });
}

function codeForStatus(status: number, request: RequestLine, onTask: boolean): ErrorCode {
  switch (status) {
    case 400:
      return request.method === 'POST' && request.endpoint === '/tasks' ? ErrorCode.TesInvalidTask : ErrorCode.TesInvalidQuery;
    case 401:
    case 403:
      return ErrorCode.BackendUnavailable;
    case 404:
      return onTask ? ErrorCode.TesTaskNotFound : ErrorCode.BackendUnavailable;
    case 409:
      return ErrorCode.TesInvalidTransition;
    case 413:
      return ErrorCode.TesBodyTooLarge;
    default:
      return ErrorCode.BackendFailure;
  }
}

function fixFor(status: number, request: RequestLine, onTask: boolean): string {
  switch (status) {
    case 400:
      return request.method === 'POST' && request.endpoint === '/tasks'
        ? 'the server refused the task Capstan built from the attempt; when the field is an input or output url (file://), the server must share this machine\'s filesystem and allow that folder, or tes.pathMappings must name how the server reaches it'
        : 'the server does not accept this query; it may not speak TES 1.1 (tag filters are new in 1.1)';
    case 401:
      return 'set tes.auth to credentials the server accepts ({ type: bearer, token } or { type: basic, username, password })';
    case 403:
      return 'the credentials in tes.auth are not allowed to do this; ask the server\'s operator for access';
    case 404:
      return onTask ? 'the server no longer knows this task' : `tes.url must be the TES API base, e.g. "${EXAMPLE_TES_URL}"`;
    case 413:
      return 'the command file is sent inside the task; raise the server\'s body limit or shorten the command';
    default:
      return 'see the server\'s message';
  }
}

function cut(text: string): string {
  return text.length > MAX_QUOTED ? `${text.slice(0, MAX_QUOTED)}...` : text;
}

function cutOptional(text: string | undefined): string | undefined {
  return text === undefined ? undefined : cut(text);
}
