import { type FastifyInstance } from 'fastify';
import { HttpErrorCode, TesHttpError } from './http-error-body';

/**
 * Bodies are JSON only. An empty JSON body reads as "no body" (clients send `POST .../tasks/{id}:cancel` with
 * `Content-Type: application/json` and nothing else), and a syntax error is a 400 that says where it is. Other
 * content types (fastify's text/plain included) get a 415.
 */
export function installJsonBodyParser(app: FastifyInstance): void {
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') {
      done(null, undefined);
      return;
    }
    try {
      done(null, JSON.parse(text));
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      done(new TesHttpError(HttpErrorCode.InvalidJson, `the request body is not valid JSON (${reason}); send one JSON object, e.g. {"executors": [...]}`), undefined);
    }
  });
}
