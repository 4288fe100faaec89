import { lstat, mkdir, readFile, realpath, rename, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';

const MAX_ENTRY_BYTES = 64 * 1024;

export interface DiskCacheOptions<T> {
  /** The folder the entry's file is kept in (made on the first write, private to the user). */
  readonly folder: string;
  /** The entry's file name in `folder`. */
  readonly file: string;
  /**
   * What the value was learnt from, as it is now (a socket file's inode and change time, a binary's): an entry
   * saved for another identity is not used. A rejection means no cache (nothing is read or written).
   */
  readonly identity: () => Promise<string>;
  /** How long an entry is used. */
  readonly ttlMs: number;
  /** The value if the parsed JSON is one (strictly: a cache file is not trusted), else undefined. */
  readonly parse: (value: unknown) => T | undefined;
  readonly now?: () => number;
}

/**
 * One probe's answer kept on disk between processes (a daemon's facts, a CLI's version), so that a short-lived
 * process need not ask again. A missing, stale, foreign or malformed entry is no error: the caller asks. Only the
 * user's own regular file is read (not a link, not writable by others), and a write that fails is ignored.
 */
export class DiskCache<T> {
  private readonly path: string;
  private readonly now: () => number;

  constructor(private readonly options: DiskCacheOptions<T>) {
    this.path = join(options.folder, options.file);
    this.now = options.now ?? Date.now;
  }

  /** `$XDG_CACHE_HOME/capstan` (else `~/.cache/capstan`), where the CLI's compile cache lives too. */
  static userFolder(env: NodeJS.ProcessEnv): string {
    const base = env['XDG_CACHE_HOME'] !== undefined && env['XDG_CACHE_HOME'] !== '' ? env['XDG_CACHE_HOME'] : join(homedir(), '.cache');
    return join(base, 'capstan');
  }

  async read(): Promise<T | undefined> {
    try {
      const info = await lstat(this.path);
      if (!info.isFile() || info.uid !== process.getuid?.() || (info.mode & 0o022) !== 0 || info.size > MAX_ENTRY_BYTES) return undefined;
      const entry: unknown = JSON.parse(await readFile(this.path, 'utf8'));
      if (typeof entry !== 'object' || entry === null || Object.keys(entry).length !== 3) return undefined;
      const { identity, savedAt, value } = entry as { identity?: unknown; savedAt?: unknown; value?: unknown };
      if (typeof savedAt !== 'number' || identity !== (await this.options.identity())) return undefined;
      const age = this.now() - savedAt;
      return age >= 0 && age < this.options.ttlMs ? this.options.parse(value) : undefined;
    } catch {
      return undefined;
    }
  }

  async write(value: T): Promise<void> {
    try {
      const identity = await this.options.identity();
      await mkdir(this.options.folder, { recursive: true, mode: 0o700 });
      const partial = `${this.path}.${process.pid}.partial`;
      await writeFile(partial, JSON.stringify({ identity, savedAt: this.now(), value }), { mode: 0o600 });
      await rename(partial, this.path);
    } catch {
      // No cache then: the next process asks again.
    }
  }
}

/**
 * A file as it is now, for `DiskCacheOptions.identity`: its real path, inode, size and change time. A restarted
 * service makes a new socket file, an upgraded program is a new binary: either reads as another identity.
 */
export async function fileIdentity(path: string): Promise<string> {
  const real = await realpath(path);
  const info = await stat(real);
  return `${real}:${info.dev}:${info.ino}:${info.size}:${info.ctimeMs}`;
}
