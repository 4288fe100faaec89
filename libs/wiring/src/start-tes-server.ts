import type { RunningTesServer, StartTesServerOptions } from './tes-server';

/**
 * Starts Capstan's TES server: reads the configuration (the `api` section and the engine's), wires the engine on the
 * chosen backend, opens the task store in the data folder, reconciles what an earlier process left, and listens.
 */
export async function startTesServer(options: StartTesServerOptions = {}): Promise<RunningTesServer> {
  // Imported when a server starts: the TES server brings fastify, better-sqlite3 and the Swagger plugins (about 165
  // modules), which a library user who only wires an engine must not load (docs/benchmarks.md, issue 12).
  const server = await import('./tes-server');
  return server.startTesServer(options);
}
