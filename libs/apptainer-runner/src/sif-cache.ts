import { CapstanError, ErrorCode } from '@capstan/core-constraints';
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { type SifPullPolicy } from './apptainer-backend-options';
import { type CliFlavour, variablePrefixes } from './apptainer-cli';
import { runConversionStep } from './conversion-step';
import { FileLock } from './file-lock';
import { isLoopbackRegistry, type RemoteImage } from './image-reference';
import { convertFromLocalStore, type LocalSourceSettings, localStoreName } from './local-sources';

export interface SifCacheSettings {
  readonly cacheDir: string;
  readonly binary: string;
  readonly flavour: CliFlavour;
  /** The environment of the apptainer process (PATH at least); logins are added per pull. */
  readonly baseEnv: Readonly<Record<string, string>>;
  readonly registries: Readonly<Record<string, { readonly username: string; readonly password: string }>>;
  readonly insecureRegistries: readonly string[];
  readonly extraPullArgs: readonly string[];
  readonly pullTimeoutMs: number;
  /** Engines' local stores tried before the registry (docker:// images only); absent: the registry only. */
  readonly localSources?: LocalSourceSettings;
}

export interface EnsureOptions {
  readonly policy: SifPullPolicy;
  readonly signal?: AbortSignal;
  /** Called when this attempt has to wait for a conversion (its own, or another process's that holds the lock). */
  readonly onPulling?: () => void;
  readonly onPulled?: (ms: number) => void;
  /** Called just before this process runs `apptainer pull` itself (tests count real pulls with it). */
  readonly onPullStart?: (image: RemoteImage) => void;
  /** Where this process's conversion took the image from: a local store, or the registry (`docker://...`). */
  readonly onSource?: (source: string) => void;
  /** A local store that could not be asked (a daemon down, no permission): the conversion went on to the next source. */
  readonly onNote?: (message: string) => void;
}

export interface CachedImage {
  /** The SIF file to run. */
  readonly path: string;
  /** True when this call converted it (false: the cache had it, or another process made it while we waited). */
  readonly pulled: boolean;
}

const LOCKS = '.locks';
const TEMP = '.tmp';

/**
 * A folder of SIF files converted from docker://, library:// and oras:// images, shared by every Capstan process (and
 * user, given the permissions) that points at it:
 *
 *   <cacheDir>/<key>.sif          a complete image, only ever made by rename(2), so never partial
 *   <cacheDir>/.locks/<key>.lock  flock(2) target serialising the conversion of one image across processes
 *   <cacheDir>/.tmp/<key>.<pid>.<random>/  one conversion in progress: image.sif, apptainer's own temp folder, logs
 *
 * `<key>` is `<kind>_<readable reference>-<16 hex digits of sha256(normalised reference)>` (see image-reference.ts).
 * Converting takes the image's lock, looks again (another process may have finished it meanwhile: then nothing is
 * pulled), removes what dead holders left in `.tmp` for that key (whoever held the lock before us is gone or done, so
 * anything left is garbage), pulls into a fresh temp folder with Apptainer's own cache disabled, fsyncs the file,
 * renames it into place and removes the temp folder. Within one process, concurrent requests for one image share one
 * conversion; it is stopped only when every attempt waiting for it is canceled.
 */
export class SifCache {
  private readonly inflight = new Map<string, { readonly promise: Promise<CachedImage>; readonly controller: AbortController; waiters: number }>();

  constructor(private readonly settings: SifCacheSettings) {}

  get cacheDir(): string {
    return this.settings.cacheDir;
  }

  entryPath(image: RemoteImage): string {
    return join(this.settings.cacheDir, `${image.key}.sif`);
  }

  async ensure(image: RemoteImage, options: EnsureOptions): Promise<CachedImage> {
    const path = this.entryPath(image);
    const askedAt = Date.now();
    if (options.policy !== 'always' && (await isCompleteFile(path))) return { path, pulled: false };
    if (options.policy === 'never') {
      throw new CapstanError(ErrorCode.ImageUnavailable, `not in the SIF cache (${path}), and the pull policy is never (convert it first, or change the policy)`);
    }
    options.onPulling?.();
    const started = performance.now();
    const result = await this.shared(image, options, askedAt);
    options.onPulled?.(Math.round(performance.now() - started));
    return result;
  }

  /** One conversion per image in this process; each caller may give up (abort) without stopping it for the others. */
  private shared(image: RemoteImage, options: EnsureOptions, askedAt: number): Promise<CachedImage> {
    const signal = options.signal;
    if (signal?.aborted) return Promise.reject(new CapstanError(ErrorCode.Canceled, `canceled while converting ${image.uri}`));
    let entry = this.inflight.get(image.key);
    if (entry === undefined) {
      const controller = new AbortController();
      const promise = this.convertLocked(image, options, askedAt, controller.signal).finally(() => {
        if (this.inflight.get(image.key) === created) this.inflight.delete(image.key);
      });
      const created = { promise, controller, waiters: 0 };
      entry = created;
      this.inflight.set(image.key, created);
    }
    const shared = entry;
    shared.waiters += 1;
    return new Promise<CachedImage>((resolve, reject) => {
      const onAbort = (): void => {
        shared.waiters -= 1;
        if (shared.waiters === 0) {
          // Nobody waits for it any more: stop it, and let a later request start afresh.
          shared.controller.abort();
          if (this.inflight.get(image.key) === shared) this.inflight.delete(image.key);
        }
        reject(new CapstanError(ErrorCode.Canceled, `canceled while converting ${image.uri}`));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      shared.promise.then(
        (value) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(value);
        },
        (error: unknown) => {
          signal?.removeEventListener('abort', onAbort);
          reject(error instanceof Error ? error : new Error(String(error)));
        },
      );
    });
  }

  private async convertLocked(image: RemoteImage, options: EnsureOptions, askedAt: number, signal: AbortSignal): Promise<CachedImage> {
    const path = this.entryPath(image);
    const temp = join(this.settings.cacheDir, TEMP);
    await mkdir(join(this.settings.cacheDir, LOCKS), { recursive: true });
    await mkdir(temp, { recursive: true });
    const lock = await FileLock.acquire(join(this.settings.cacheDir, LOCKS, `${image.key}.lock`), signal);
    try {
      // Made by another process while we waited: under `always`, only if it was made after this attempt asked.
      const made = await completeFileTime(path);
      if (made !== null && (options.policy !== 'always' || made >= askedAt)) return { path, pulled: false };
      await removeLeftovers(temp, image.key);
      const work = join(temp, `${image.key}.${process.pid}.${randomBytes(4).toString('hex')}`);
      await mkdir(work, { mode: 0o700 });
      await mkdir(join(work, 'tmp'), { recursive: true });
      try {
        options.onPullStart?.(image);
        const source = await this.convert(image, work, options, signal);
        await syncFile(join(work, 'image.sif'));
        await rename(join(work, 'image.sif'), path);
        options.onSource?.(source);
      } finally {
        await rm(work, { recursive: true, force: true });
      }
      return { path, pulled: true };
    } finally {
      await lock.release();
    }
  }

  /**
   * Makes `<work>/image.sif`: from the first local store that has the image (in the configured order), else from the
   * image's registry. Says which. A store that has not got it is passed silently; one that cannot be asked, with a note.
   */
  private async convert(image: RemoteImage, work: string, options: EnsureOptions, signal: AbortSignal): Promise<string> {
    const output = join(work, 'image.sif');
    const local = this.settings.localSources;
    const name = localStoreName(image);
    if (local !== undefined && name !== null) {
      for (const source of local.sources) {
        const conversion = { binary: this.settings.binary, env: { ...this.settings.baseEnv, ...this.tmpEnv(work) }, work, output, timeoutMs: this.settings.pullTimeoutMs };
        const outcome = await convertFromLocalStore(source, name, local, conversion, signal);
        if (outcome.made && (await isCompleteFile(output))) return outcome.from;
        if (!outcome.made && !outcome.absent) options.onNote?.(`the local ${source} store could not be asked for ${name} (${outcome.reason}); trying the next source`);
        await rm(output, { force: true });
      }
    }
    await this.pull(image, work, signal);
    return `${image.kind === 'library' ? 'the container library' : 'its registry'} (${image.uri})`;
  }

  private tmpEnv(work: string): Record<string, string> {
    return { [`${this.settings.flavour.toUpperCase()}_TMPDIR`]: join(work, 'tmp') };
  }

  private async pull(image: RemoteImage, work: string, signal: AbortSignal): Promise<void> {
    const output = join(work, 'image.sif');
    const prefixes = variablePrefixes(this.settings.flavour);
    const login = image.registry === null ? undefined : this.settings.registries[image.registry];
    const insecure = image.registry !== null && (isLoopbackRegistry(image.registry) || this.settings.insecureRegistries.includes(image.registry));
    const failure = await runConversionStep(
      {
        program: this.settings.binary,
        args: ['pull', ...(insecure ? ['--no-https'] : []), '--disable-cache', ...this.settings.extraPullArgs, output, image.uri],
        work,
        env: {
          ...this.settings.baseEnv,
          ...this.tmpEnv(work),
          ...(login === undefined ? {} : { [`${prefixes.dockerLogin}USERNAME`]: login.username, [`${prefixes.dockerLogin}PASSWORD`]: login.password }),
        },
        log: 'pull',
        timeoutMs: this.settings.pullTimeoutMs,
        what: image.uri,
      },
      signal,
    );
    if (failure !== null || !(await isCompleteFile(output))) {
      const detail = failure ?? 'it made no image file';
      const authProblem = /unauthorized|authentication required|denied|401/i.test(detail);
      const hint = !authProblem
        ? ''
        : login === undefined
          ? ` (no credentials are configured for ${image.registry ?? 'this registry'}: add them under the apptainer backend's registries option)`
          : ` (the credentials configured for ${image.registry} were refused, or the image does not exist)`;
      throw new Error(`${this.settings.binary} pull failed: ${detail}${hint}`);
    }
  }
}

/** Durable before it becomes visible: a crash after the rename must not leave a truncated image under the final name. */
async function syncFile(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function isCompleteFile(path: string): Promise<boolean> {
  return (await completeFileTime(path)) !== null;
}

/** The modification time of a non-empty regular file, or null. */
async function completeFileTime(path: string): Promise<number | null> {
  try {
    const info = await stat(path);
    return info.isFile() && info.size > 0 ? info.mtimeMs : null;
  } catch {
    return null;
  }
}

/** Temp folders of earlier holders of this key's lock: they are done or dead, so anything left is garbage. */
async function removeLeftovers(temp: string, key: string): Promise<void> {
  const names = await readdir(temp).catch(() => [] as string[]);
  await Promise.all(names.filter((name) => name.startsWith(`${key}.`)).map((name) => rm(join(temp, name), { recursive: true, force: true })));
}
