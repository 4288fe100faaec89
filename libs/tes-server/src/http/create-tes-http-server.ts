import fastifyRateLimit from '@fastify/rate-limit';
import fastifySwagger, { type StaticDocumentSpec } from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import { fastify, type FastifyInstance, type FastifyRequest } from 'fastify';
import { type TesService } from '../service/tes-service';
import { type AuthSettings, bearerAuthHook, findPrincipal, loopbackOnlyHook } from './bearer-auth-hook';
import { HttpErrorCode, TesHttpError } from './http-error-body';
import { installDashboard } from './dashboard-files';
import { installErrorAnswers } from './error-answers';
import { EventStreams } from './event-streams';
import { installJsonBodyParser } from './json-body';
import { LogRedactor } from './log-redactor';
import { buildOpenApiDocument } from './openapi-document';
import { RequestLog } from './request-log';
import { noteOf } from './request-notes';
import { parseTesHttpOptions, plainTokenName, type TesHttpOptions, type TesHttpOptionsInput } from './tes-http-options';
import { HttpRequestCounter, renderTesMetrics } from './tes-metrics';
import { TES_BASE_PATH, tesRoutes } from './tes-routes';

export const OPENAPI_PATH = `${TES_BASE_PATH}/openapi.json`;
export const DOCS_PATH = `${TES_BASE_PATH}/docs`;

export type TesHttpServer = FastifyInstance;

/**
 * The GA4GH TES v1.1 HTTP server over `service`: the TES routes under /ga4gh/tes/v1, /metrics, the OpenAPI document,
 * its Swagger UI and the dashboard at `/`. Returns the fastify instance, not yet listening: call `listen({ host: options.host, port })`.
 * Throws a CapstanError (`config.invalid`) naming the option when the options are wrong, among them authentication
 * disabled on a host that is not loopback.
 */
export function createTesHttpServer(service: TesService, input: TesHttpOptionsInput): TesHttpServer {
  const options = parseTesHttpOptions(input);
  const auth = authSettings(options);
  const app = fastify({
    logger: false,
    bodyLimit: options.bodyLimitBytes,
    routerOptions: { ignoreTrailingSlash: true },
  });

  const requests = new HttpRequestCounter();
  const streams = new EventStreams(service.events, options.events);
  const renderMetrics = (): string => renderTesMetrics(service.metrics(), requests, { open: streams.count, dropped: streams.dropped });
  const routes = tesRoutes(service, renderMetrics, { listBudgetBytes: options.listBudgetBytes, streams, heartbeatSeconds: options.events.heartbeatSeconds });
  const document = buildOpenApiDocument(routes, { authEnabled: !('disabled' in auth), basicAuth: 'users' in auth && (auth.users ?? []).length > 0 });

  // The route template each fastify pattern is reported as, in logs and metrics.
  const templates = new Map<string, string>(routes.map((route) => [route.url, route.path]));
  const templateOf = (request: FastifyRequest): string | null => {
    const url = request.routeOptions.url;
    return url === undefined ? null : (templates.get(url) ?? url);
  };

  installJsonBodyParser(app);
  // Open streams would hold close() up for ever: each ends with a last event first.
  app.addHook('preClose', (done) => {
    streams.closeAll('the server is shutting down; reconnect with Last-Event-ID once it is back (ids from before the restart get a gap event)');
    done();
  });
  installErrorAnswers(app, options);

  const requestLog = new RequestLog(options.logStream, new LogRedactor('principals' in auth ? auth.principals.map((principal) => principal.token) : []));
  // Every request, not only the routes': the docs, the OpenAPI document and unknown paths answer too.
  if ('disabled' in auth) app.addHook('onRequest', loopbackOnlyHook());
  app.addHook('onResponse', (request, reply, done) => {
    const route = templateOf(request);
    const note = noteOf(request);
    const principal = findPrincipal(request)?.name;
    requestLog.write({
      method: request.method,
      route,
      ...(route === null ? { path: request.url.split('?')[0] ?? '' } : {}),
      status: reply.statusCode,
      durationMs: reply.elapsedTime,
      requestId: request.id,
      ...(principal === undefined ? {} : { principal }),
      ...(note.taskId === undefined ? {} : { taskId: note.taskId }),
      ...(note.error === undefined ? {} : { error: note.error }),
    });
    requests.count(request.method, route ?? 'unmatched', reply.statusCode);
    done();
  });

  const authenticate = bearerAuthHook(auth);
  const { max, windowSeconds } = options.rateLimit;
  if (max > 0) {
    const limited = new Set(routes.filter((route) => route.rateLimited).map((route) => route.url));
    // One allowance per principal across the task routes (a per-route limit would multiply it by four). After the
    // auth hook (preHandler), so the key is the principal: one client cannot use up another's allowance.
    app.register(fastifyRateLimit, {
      global: true,
      hook: 'preHandler',
      max,
      timeWindow: windowSeconds * 1000,
      allowList: (request) => !limited.has(request.routeOptions.url ?? ''),
      // Asked before allowList, so also for the routes it lets through, which may have no principal.
      keyGenerator: (request) => {
        const principal = findPrincipal(request);
        return principal === undefined ? `address ${request.ip}` : `principal ${principal.name}`;
      },
      errorResponseBuilder: (_request, context) =>
        new TesHttpError(
          HttpErrorCode.TooManyRequests,
          `this principal sent more than ${context.max} requests in ${windowSeconds} s; wait ${Math.ceil(context.ttl / 1000)} s (Retry-After) and send fewer, or ask the operator to raise api.rateLimit.max`,
        ),
    });
  }
  // In a plugin registered after the rate limit's, whose onRoute hook must see the routes.
  app.register(async (scope) => {
    for (const route of routes) {
      scope.route({
        method: route.method,
        url: route.url,
        ...(route.protected ? { onRequest: authenticate } : {}),
        handler: async (request, reply) => route.handle(request, reply),
      });
    }
  });

  app.get(OPENAPI_PATH, async () => document);
  // The plugin's types know OpenAPI 2 and 3.0 documents; in static mode it serves the 3.1 object as it is.
  app.register(fastifySwagger, { mode: 'static', specification: { document: document as unknown as StaticDocumentSpec['document'] } });
  app.register(fastifySwaggerUi, { routePrefix: DOCS_PATH });
  installDashboard(app, options.dashboardDir);
  return app;
}

/** The principals of the options: plain tokens by their place (token-1, ...), then the named ones. */
function authSettings(options: TesHttpOptions): AuthSettings {
  if (options.auth.disabled === true) return { disabled: true };
  return {
    principals: [
      ...(options.auth.tokens ?? []).map((token, index) => ({ name: plainTokenName(index), token, admin: false })),
      ...(options.auth.principals ?? []).map((principal) => ({ name: principal.name, token: principal.token, admin: principal.admin })),
    ],
    users: options.auth.users ?? [],
  };
}
