import { createHash } from 'node:crypto';
import { DiskCache, fileIdentity } from '@capstan/support';
import { z } from 'zod';
import { type DaemonFacts } from './daemon-probe';

/**
 * How long a daemon's facts read from disk are used. `GET /version` and `GET /info` cost 10-55 ms here before every
 * `capstan run`'s first container; cpus, memory and runtimes change only when the daemon restarts or is
 * reconfigured (a restart makes a new socket file, which the entry names).
 */
export const DAEMON_FACTS_TTL_MS = 10 * 60_000;

const factsSchema = z.strictObject({
  version: z.string(),
  apiVersion: z.string(),
  cpus: z.number().positive(),
  memoryBytes: z.number().positive(),
  nvidiaRuntime: z.boolean(),
  gpus: z.int().nonnegative(),
  swarm: z.string(),
  cgroupVersion: z.string(),
  cgroupDriver: z.string(),
  operatingSystem: z.string(),
  endpoint: z.string(),
});

/** The facts of the Docker daemon behind one unix socket, kept in `folder` between processes. */
export function daemonFactsCache(folder: string, socketPath: string, now: () => number = Date.now): DiskCache<DaemonFacts> {
  return socketFactsCache({ name: 'docker-facts', folder, socketPath, schema: factsSchema, ttlMs: DAEMON_FACTS_TTL_MS, now });
}

/**
 * What an engine's service behind one unix socket said about itself, kept in `folder` between processes (see
 * support's `DiskCache`): the entry holds for that socket file only (a restarted service makes a new one, another
 * inode and change time), and only what `schema` accepts is believed.
 */
export function socketFactsCache<T>(settings: {
  readonly name: string;
  readonly folder: string;
  readonly socketPath: string;
  readonly schema: z.ZodType<T>;
  readonly ttlMs: number;
  readonly now?: (() => number) | undefined;
}): DiskCache<T> {
  const { name, folder, socketPath, schema, ttlMs, now } = settings;
  return new DiskCache<T>({
    folder,
    file: `${name}-${createHash('sha256').update(socketPath).digest('hex').slice(0, 16)}.json`,
    identity: () => fileIdentity(socketPath),
    ttlMs,
    parse: (value) => {
      const facts = schema.safeParse(value);
      return facts.success ? facts.data : undefined;
    },
    ...(now === undefined ? {} : { now }),
  });
}
