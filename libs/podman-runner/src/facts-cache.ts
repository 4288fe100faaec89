import { socketFactsCache } from '@capstan/docker-api/internal';
import { DiskCache } from '@capstan/support';
import { z } from 'zod';
import { type PodmanFacts } from './podman-service';

/**
 * How long a Podman service's facts read from disk are used. `GET /libpod/info` takes 0.4-1.5 s (Podman sums up its
 * storage), which every `capstan run` paid before its first container; the facts change only when the service is
 * restarted or reconfigured, and a restarted service has a new socket, which the entry names.
 */
export const DISK_FACTS_TTL_MS = 10 * 60_000;

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

/**
 * The facts of the Podman service behind one unix socket, kept in the user's cache folder between processes (see
 * support's `DiskCache`: a stale, foreign or malformed entry is no error, the caller asks the service).
 */
export class PodmanFactsCache {
  private readonly cache: DiskCache<PodmanFacts>;

  constructor(folder: string, socketPath: string, now: () => number = Date.now) {
    // v2: the entry's layout since DiskCache; an older Capstan beside this one keeps its own file.
    this.cache = socketFactsCache({ name: 'podman-facts-v2', folder, socketPath, schema: factsSchema, ttlMs: DISK_FACTS_TTL_MS, now });
  }

  static inUserCache(env: NodeJS.ProcessEnv, socketPath: string): PodmanFactsCache {
    return new PodmanFactsCache(DiskCache.userFolder(env), socketPath);
  }

  read(): Promise<PodmanFacts | undefined> {
    return this.cache.read();
  }

  write(facts: PodmanFacts): Promise<void> {
    return this.cache.write(facts);
  }
}
