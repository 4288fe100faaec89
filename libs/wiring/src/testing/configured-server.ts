import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningTesServer, startTesServer } from '../tes-server';

const quiet = { write: (): boolean => true };

/** A TES server on 127.0.0.1 (a free port, no auth) from these lines of capstan.yaml, in a folder of its own. */
export async function configuredServer(prefix: string, lines: readonly string[]): Promise<{ dir: string; server: RunningTesServer; close(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  const configFile = join(dir, 'capstan.yaml');
  await writeFile(configFile, [...lines, ''].join('\n'));
  try {
    const server = await startTesServer({ configFile, flags: { 'api.dataDir': join(dir, 'data'), 'api.port': 0, 'api.host': '127.0.0.1', 'api.auth.disabled': true }, cwd: dir, logStream: quiet });
    return { dir, server, close: async () => { await server.close(); await rm(dir, { recursive: true, force: true }); } };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}
