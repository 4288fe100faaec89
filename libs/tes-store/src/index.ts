// The durable task store of Capstan's GA4GH TES server: the TesTaskStore contract and its SQLite implementation.
// The public API of @capstan/tes-store (reviewed in api/tes-store.api.md): named exports only.
export { type TesTaskJson, type TesTaskJsonPage, type TesTaskListPage, TesTaskStore } from './tes-task-store';
export { type ListTuning, SqliteTesTaskStore } from './sqlite/sqlite-tes-task-store';
export { type IndexBatching } from './sqlite/deferred-index';
export { type SqliteTesTaskStoreOptions, sqliteTesTaskStoreOptionsSchema } from './sqlite/store-options';
export { registerTesTaskStore } from './register-tes-task-store';
