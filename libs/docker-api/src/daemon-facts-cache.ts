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

/** The facts of the daemon behind one unix socket, kept in `folder` between processes (see support's `DiskCache`). */
export function daemonFactsCache(folder: string, socketPath: string, now: () => number = Date.now): DiskCache<DaemonFacts> {
  return new DiskCache<DaemonFacts>({
    folder,
    file: `docker-facts-${createHash('sha256').update(socketPath).digest('hex').slice(0, 16)}.json`,
    identity: () => fileIdentity(socketPath),
    ttlMs: DAEMON_FACTS_TTL_MS,
    parse: (value) => {
      const facts = factsSchema.safeParse(value);
      return facts.success ? facts.data : undefined;
    },
    now,
  });
}
