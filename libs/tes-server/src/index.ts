export * from './service/tes-service';
export * from './service/tes-service-options';
export * from './service/principal';
export * from './service/engine-tes-service';
export * from './service/task-layout';
export * from './service/executor-task';

// The HTTP layer: fastify routes, auth, errors, logs, metrics, OpenAPI document and docs over a TesService.
export { createTesHttpServer, DOCS_PATH, OPENAPI_PATH, type TesHttpServer } from './http/create-tes-http-server';
export {
  DEFAULT_BODY_LIMIT_BYTES,
  DEFAULT_LIST_BUDGET_BYTES,
  DEFAULT_RATE_LIMIT,
  type LogSink,
  parseTesHttpOptions,
  plainTokenName,
  type TesHttpOptions,
  type TesHttpOptionsInput,
  tesHttpOptionsSchema,
} from './http/tes-http-options';
export { HttpErrorCode, statusForErrorCode, tesErrorBodySchema, type TesErrorBody } from './http/http-error-body';
export { isLoopbackHost } from './http/loopback-host';
export { MIN_TOKEN_BITS, MIN_TOKEN_DISTINCT, MIN_TOKEN_LENGTH, tokenProblem } from './http/token-strength';
export { type PrincipalToken } from './http/bearer-tokens';
export { METRICS_PATH, TES_BASE_PATH } from './http/tes-routes';
export * from './service/histogram';
export * from './service/task-retention';
