// The `api` section's schema, in a module of its own so that the bundle puts it (and the TES server's and transfer's
// options schemas it is built from) in a chunk that a command imports only when it needs the schema.
export { apiConfigSchema } from '@capstan/wiring';
