// First-party only, as internal.ts would be: the options schema and defaults that wiring's `api` section is built
// from. Every command reads that section, and the index would evaluate the HTTP server (fastify, the Swagger plugins)
// and the task store (better-sqlite3) for it.
export { tesServiceOptionsSchema } from './service/tes-service-options';
export { DEFAULT_EVENT_STREAMS, DEFAULT_LIST_BUDGET_BYTES, DEFAULT_RATE_LIMIT } from './http/tes-http-options';
