// The durable task store of Capstan's GA4GH TES server: the TesTaskStore contract and its SQLite implementation.
export * from './tes-task-store';
export { type ListTuning, NO_OWNER, SqliteTesTaskStore } from './sqlite/sqlite-tes-task-store';
export { IN_MEMORY, parseSqliteTesTaskStoreOptions, sqliteTesTaskStoreOptionsSchema, type SqliteTesTaskStoreOptions } from './sqlite/store-options';
export { SCHEMA_VERSION } from './sqlite/schema-migrations';
export { registerTesTaskStore } from './register-tes-task-store';
