import type { DependencyContainer } from 'tsyringe';
import { SqliteTesTaskStore } from './sqlite/sqlite-tes-task-store';
import { type SqliteTesTaskStoreOptions } from './sqlite/store-options';
import { TesTaskStore } from './tes-task-store';

/**
 * Opens the SQLite task store and registers it under the TesTaskStore token; returns it so the caller can close it on
 * shutdown. Opening happens here, so a bad option or a file another server holds fails at start-up (a CapstanError,
 * `config.invalid`, path `file`), and nothing is registered then.
 */
export function registerTesTaskStore(container: DependencyContainer, options: SqliteTesTaskStoreOptions): SqliteTesTaskStore {
  const store = new SqliteTesTaskStore(options);
  container.registerInstance(TesTaskStore, store);
  return store;
}
