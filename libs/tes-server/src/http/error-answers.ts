import { type CapstanError, ErrorCode } from '@capstan/core-constraints';
import { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { errorBody, HttpErrorCode, isReportable, statusForErrorCode, TesHttpError } from './http-error-body';
import { noteOf } from './request-notes';
import { describeBodyLimit } from './tes-http-options';
import { TES_BASE_PATH } from './tes-routes';

export interface ErrorAnswerSettings {
  readonly bodyLimitBytes: number;
  readonly bodyLimitSetting: string;
}

function pathOf(url: string): string {
  const query = url.indexOf('?');
  return query < 0 ? url : url.slice(0, query);
}

function isFastifyError(error: unknown): error is FastifyError {
  return error instanceof Error && typeof (error as Partial<FastifyError>).code === 'string' && (error as Partial<FastifyError>).code?.startsWith('FST_') === true;
}

/** The problem to report for an error fastify raised itself (body limit, content type, malformed request). */
function fromFastify(error: FastifyError, request: FastifyRequest, settings: ErrorAnswerSettings): TesHttpError | undefined {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE': {
      const length = request.headers['content-length'];
      const sent = length === undefined ? '' : ` (this one is ${length} bytes)`;
      return new TesHttpError(
        ErrorCode.TesBodyTooLarge,
        `the request body is larger than the limit of ${describeBodyLimit(settings.bodyLimitBytes)}${sent}; send a smaller body (put large input content behind a url), or raise ${settings.bodyLimitSetting} in the server's configuration`,
      );
    }
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new TesHttpError(
        HttpErrorCode.UnsupportedMediaType,
        `the body's Content-Type is ${JSON.stringify(request.headers['content-type'] ?? 'not given')}; send the body as JSON with Content-Type: application/json`,
      );
    default:
      return error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500 ? new TesHttpError(HttpErrorCode.BadRequest, `${error.message}; fix the request`) : undefined;
  }
}

/** Answers `problem`; the log gets `logged` (for a 500: the real message and stack, not the answer's). */
function send(request: FastifyRequest, reply: FastifyReply, problem: CapstanError | TesHttpError, logged: { message: string; stack?: string } = { message: problem.message }): FastifyReply {
  noteOf(request).error = { code: problem.code, message: logged.message, ...(logged.stack === undefined ? {} : { stack: logged.stack }) };
  return reply.code(statusForErrorCode(problem.code)).send(errorBody(problem));
}

/**
 * Every error answer is JSON `{code, message, path, status}`: CapstanErrors with the status of their code, fastify's
 * own refusals (413, 415, malformed requests) reworded with the fix, unknown routes 404. Anything else is a 500 whose
 * answer names the request id and whose details (message, stack) go only to the request log.
 */
export function installErrorAnswers(app: FastifyInstance, settings: ErrorAnswerSettings): void {
  app.setErrorHandler((error, request, reply) => {
    if (isReportable(error)) return send(request, reply, error);
    const fromStack = isFastifyError(error) ? fromFastify(error, request, settings) : undefined;
    if (fromStack !== undefined) return send(request, reply, fromStack);
    const internal = new TesHttpError(
      HttpErrorCode.Internal,
      `the server failed while answering ${request.method} ${request.routeOptions.url ?? pathOf(request.url)} (request ${request.id}); the server's log has the details`,
    );
    const cause = error instanceof Error ? error : new Error(String(error));
    return send(request, reply, internal, { message: cause.message, ...(cause.stack === undefined ? {} : { stack: cause.stack }) });
  });

  app.setNotFoundHandler((request, reply) =>
    send(
      request,
      reply,
      new TesHttpError(
        HttpErrorCode.RouteNotFound,
        `there is no route for ${request.method} ${pathOf(request.url)}; the TES API is under ${TES_BASE_PATH} (service-info, tasks, tasks/{id}, tasks/{id}:cancel), described at ${TES_BASE_PATH}/openapi.json`,
      ),
    ),
  );
}
