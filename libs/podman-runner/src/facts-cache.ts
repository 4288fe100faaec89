import { createHash } from 'node:crypto';
import { lstat, mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { type PodmanFacts } from './podman-service';

/**
 * How long a Podman service's facts read from disk are used. `GET /libpod/info` takes 0.4-1.5 s (Podman sums up its
 * storage), which every `capstan run` paid before its first container; the facts change only when the service is
 * restarted or reconfigured, and a restarted service has a new socket, which the entry names.
 */
export const DISK_FACTS_TTL_MS = 10 * 60_000;
const MAX_ENTRY_BYTES = 64 * 1024;

const factsSchema = z.strictObject({
  version: z.string(),
  podmanVersion: z.string(),
  cpus: z.number().nonnegative(),
  memoryBytes: z.number().nonnegative(),
  rootless: z.boolean(),
  serviceUid: z.int(),
  serviceGid: z.int(),
  cgroupVersion: z.string(),
  cgroupManager: z.string(),
  cgroupControllers: z.array(z.string()),
  ociRuntime: z.string(),
  conmonPath: z.string(),
  storageDriver: z.string(),
  oomReported: z.boolean(),
  endpoint: z.string(),
});
const entrySchema = z.strictObject({ socket: z.string(), savedAt: z.number(), facts: factsSchema });

/**
 * The facts of the Podman service behind one unix socket, kept in the user's cache folder between processes. A
 * missing, stale, foreign or malformed entry is no error: the caller asks the service. Only the user's own file is
 * read (not a link, not writable by others), and a write that fails is ignored.
 */
export class PodmanFactsCache {
  private readonly file: string;

  constructor(
    private readonly folder: string,
    private readonly socketPath: string,
    private readonly now: () => number = Date.now,
  ) {
    this.file = join(folder, `podman-facts-${createHash('sha256').update(socketPath).digest('hex').slice(0, 16)}.json`);
  }

  /** `$XDG_CACHE_HOME/capstan` (else `~/.cache/capstan`), where the CLI's compile cache lives too. */
  static inUserCache(env: NodeJS.ProcessEnv, socketPath: string): PodmanFactsCache {
    const base = env['XDG_CACHE_HOME'] !== undefined && env['XDG_CACHE_HOME'] !== '' ? env['XDG_CACHE_HOME'] : join(homedir(), '.cache');
    return new PodmanFactsCache(join(base, 'capstan'), socketPath);
  }

  async read(): Promise<PodmanFacts | undefined> {
    try {
      const info = await lstat(this.file);
      if (!info.isFile() || info.uid !== process.getuid?.() || (info.mode & 0o022) !== 0 || info.size > MAX_ENTRY_BYTES) return undefined;
      const entry = entrySchema.safeParse(JSON.parse(await readFile(this.file, 'utf8')));
      if (!entry.success || entry.data.socket !== (await this.socketIdentity())) return undefined;
      const age = this.now() - entry.data.savedAt;
      return age >= 0 && age < DISK_FACTS_TTL_MS ? entry.data.facts : undefined;
    } catch {
      return undefined;
    }
  }

  async write(facts: PodmanFacts): Promise<void> {
    try {
      await mkdir(this.folder, { recursive: true, mode: 0o700 });
      const partial = `${this.file}.${process.pid}.partial`;
      await writeFile(partial, JSON.stringify({ socket: await this.socketIdentity(), savedAt: this.now(), facts }), { mode: 0o600 });
      await rename(partial, this.file);
    } catch {
      // No cache then: the next process asks the service again.
    }
  }

  /** The socket file as it is now: a restarted service makes a new one (another inode, another change time). */
  private async socketIdentity(): Promise<string> {
    const info = await stat(this.socketPath);
    return `${info.dev}:${info.ino}:${info.ctimeMs}`;
  }
}
