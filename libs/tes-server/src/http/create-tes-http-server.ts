import fastifySwagger, { type StaticDocumentSpec } from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import { fastify, type FastifyInstance, type FastifyRequest } from 'fastify';
import { type TesService } from '../service/tes-service';
import { type AuthSettings, bearerAuthHook } from './bearer-auth-hook';
import { installErrorAnswers } from './error-answers';
import { installJsonBodyParser } from './json-body';
import { LogRedactor } from './log-redactor';
import { buildOpenApiDocument } from './openapi-document';
import { RequestLog } from './request-log';
import { noteOf } from './request-notes';
import { parseTesHttpOptions, type TesHttpOptionsInput } from './tes-http-options';
import { HttpRequestCounter, renderTesMetrics } from './tes-metrics';
import { TES_BASE_PATH, tesRoutes } from './tes-routes';

export const OPENAPI_PATH = `${TES_BASE_PATH}/openapi.json`;
export const DOCS_PATH = `${TES_BASE_PATH}/docs`;

export type TesHttpServer = FastifyInstance;

/**
 * The GA4GH TES v1.1 HTTP server over `service`: the TES routes under /ga4gh/tes/v1, /metrics, the OpenAPI document
 * and its Swagger UI. Returns the fastify instance, not yet listening: call `listen({ host: options.host, port })`.
 * Throws a CapstanError (`config.invalid`) naming the option when the options are wrong, among them authentication
 * disabled on a host that is not loopback.
 */
export function createTesHttpServer(service: TesService, input: TesHttpOptionsInput): TesHttpServer {
  const options = parseTesHttpOptions(input);
  const auth: AuthSettings = options.auth.disabled === true ? { disabled: true } : { tokens: options.auth.tokens ?? [] };
  const app = fastify({
    logger: false,
    bodyLimit: options.bodyLimitBytes,
    routerOptions: { ignoreTrailingSlash: true },
  });

  const requests = new HttpRequestCounter();
  const routes = tesRoutes(service, () => renderTesMetrics(service.metrics(), requests));
  const document = buildOpenApiDocument(routes, { authEnabled: !('disabled' in auth) });

  // The route template each fastify pattern is reported as, in logs and metrics.
  const templates = new Map<string, string>(routes.map((route) => [route.url, route.path]));
  const templateOf = (request: FastifyRequest): string | null => {
    const url = request.routeOptions.url;
    return url === undefined ? null : (templates.get(url) ?? url);
  };

  installJsonBodyParser(app);
  installErrorAnswers(app, options);

  const requestLog = new RequestLog(options.logStream, new LogRedactor('tokens' in auth ? auth.tokens : []));
  app.addHook('onResponse', (request, reply, done) => {
    const route = templateOf(request);
    const note = noteOf(request);
    requestLog.write({
      method: request.method,
      route,
      ...(route === null ? { path: request.url.split('?')[0] ?? '' } : {}),
      status: reply.statusCode,
      durationMs: reply.elapsedTime,
      requestId: request.id,
      ...(note.taskId === undefined ? {} : { taskId: note.taskId }),
      ...(note.error === undefined ? {} : { error: note.error }),
    });
    requests.count(request.method, route ?? 'unmatched', reply.statusCode);
    done();
  });

  const authenticate = bearerAuthHook(auth);
  for (const route of routes) {
    app.route({
      method: route.method,
      url: route.url,
      ...(route.protected ? { onRequest: authenticate } : {}),
      handler: async (request, reply) => route.handle(request, reply),
    });
  }

  app.get(OPENAPI_PATH, async () => document);
  // The plugin's types know OpenAPI 2 and 3.0 documents; in static mode it serves the 3.1 object as it is.
  app.register(fastifySwagger, { mode: 'static', specification: { document: document as unknown as StaticDocumentSpec['document'] } });
  app.register(fastifySwaggerUi, { routePrefix: DOCS_PATH });
  return app;
}
