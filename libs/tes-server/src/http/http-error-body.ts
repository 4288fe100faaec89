import { CapstanError, ErrorCode } from '@capstan/core-constraints';
import { z } from 'zod';

/**
 * Codes of the problems the HTTP layer finds itself, before any TES logic runs. They sit beside `ErrorCode` in the
 * same `code` field, so a client branches on one field whichever layer refused the request.
 */
export const HttpErrorCode = {
  /** No route for this method and path (404). */
  RouteNotFound: 'http.route_not_found',
  /** The body is not JSON although the Content-Type says so (400). */
  InvalidJson: 'http.invalid_json',
  /** A body of a type other than JSON (415). */
  UnsupportedMediaType: 'http.unsupported_media_type',
  /** No bearer token, or one the server does not know (401). */
  Unauthorized: 'http.unauthorized',
  /** Authentication is disabled, yet the request came in on an address other than loopback (403). */
  Forbidden: 'http.forbidden',
  /** The caller passed its rate limit (429, with Retry-After). */
  TooManyRequests: 'http.too_many_requests',
  /** The caller, or all callers together, hold as many event streams open as the server allows (429). */
  TooManyStreams: 'http.too_many_streams',
  /** Any other malformed request fastify refuses (a 4xx from the HTTP stack). */
  BadRequest: 'http.bad_request',
  /** A failure that is not the client's fault and has no code of its own (500); details only in the log. */
  Internal: 'http.internal',
} as const;
export type HttpErrorCode = (typeof HttpErrorCode)[keyof typeof HttpErrorCode];

/**
 * Every error answer's body: `CapstanError.toJSON()` (code, message, dotted path of the field or query parameter, or
 * null) plus the HTTP status, so that a log of bodies alone still reads. The TES spec defines no error body; Funnel
 * answers `{"error": msg}`, which clients only print, so a richer shape costs no compatibility.
 */
export const tesErrorBodySchema = z.object({
  code: z.string().meta({ description: 'Stable code to branch on: tes.* from the TES logic, http.* from the HTTP layer.', examples: ['tes.invalid_query'] }),
  message: z.string().meta({ description: 'What is wrong (field, value, limit), then the fix.' }),
  path: z.string().nullable().meta({ description: 'Dotted path of the offending field or query parameter (executors.0.image, page_size), or null.' }),
  status: z.int().meta({ description: 'The HTTP status, repeated.' }),
});
export type TesErrorBody = z.infer<typeof tesErrorBodySchema>;

/**
 * The HTTP status of a CapstanError code, as `TesService` documents it: invalid task, unsupported backend parameters,
 * invalid query and refused transfer 400; unknown task 404; body too large 413; anything else 500. An invalid state
 * transition is 409, as core-constraints and tes-model declare (TesService's note does not list it).
 */
export function statusForErrorCode(code: string): number {
  switch (code) {
    case ErrorCode.TesInvalidTask:
    case ErrorCode.TesUnsupportedBackendParameters:
    case ErrorCode.TesInvalidQuery:
    case ErrorCode.TransferRefused:
    case HttpErrorCode.InvalidJson:
    case HttpErrorCode.BadRequest:
      return 400;
    case HttpErrorCode.Unauthorized:
      return 401;
    case HttpErrorCode.Forbidden:
      return 403;
    case ErrorCode.TesTaskNotFound:
    case HttpErrorCode.RouteNotFound:
      return 404;
    case ErrorCode.TesInvalidTransition:
      return 409;
    case ErrorCode.TesBodyTooLarge:
      return 413;
    case HttpErrorCode.UnsupportedMediaType:
      return 415;
    case HttpErrorCode.TooManyRequests:
    case HttpErrorCode.TooManyStreams:
      return 429;
    default:
      return 500;
  }
}

/** An error the HTTP layer raises: a CapstanError-shaped problem whose code may be one of {@link HttpErrorCode}. */
export class TesHttpError extends Error {
  override readonly name = 'TesHttpError';

  constructor(
    readonly code: HttpErrorCode | ErrorCode,
    message: string,
    readonly path: string | null = null,
  ) {
    super(message);
  }
}

/** The body to answer for an error the handlers or hooks let through. */
export function errorBody(error: CapstanError | TesHttpError): TesErrorBody {
  return { code: error.code, message: error.message, path: error.path, status: statusForErrorCode(error.code) };
}

export function isReportable(error: unknown): error is CapstanError | TesHttpError {
  return error instanceof CapstanError || error instanceof TesHttpError;
}
