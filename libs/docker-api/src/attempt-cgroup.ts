import { cgroupReading, type UsageReading } from '@capstan/support';
import { access, readdir, readFile, rmdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type DaemonInfo, type DockerClient } from './docker-client';

/** The cgroup every attempt cgroup is made in. */
const ATTEMPTS = 'capstan-attempts';
/** Where this host's cgroup file system is mounted. */
export const CGROUP_ROOT = '/sys/fs/cgroup';
/** A cgroup file of more than this is not one the kernel wrote for a single cgroup. */
const FILE_MAX_BYTES = 64 * 1024;

/**
 * An attempt's own parent cgroup, given to the runtime as `CgroupParent`: the container's cgroup is made inside it,
 * and the runtime removes only the container's own when the container ends. The parent keeps the hierarchical
 * high-water mark of memory and the CPU and I/O counters of everything that ran below it, so the attempt's final
 * usage can be read after its end, however short it was (Docker answers a stopped container's stats with an empty
 * reading, and removes its cgroup at once). The container cannot write there: its cgroup file system is read-only
 * and holds its own cgroup alone.
 */
export interface AttemptCgroup {
  /** The runtime's `CgroupParent`: an absolute cgroup path. */
  readonly parent: string;
  readonly version: 1 | 2;
  readonly root: string;
}

const usable = new WeakMap<DockerClient, Promise<1 | 2 | undefined>>();
/** `rootless`: a service its facts say runs rootless (Podman's say so) gets no attempt cgroup, whatever its socket. */
interface DaemonCgroups {
  readonly cgroupDriver: string;
  readonly cgroupVersion: string;
  readonly rootless?: boolean;
}
const told = new WeakMap<DockerClient, DaemonCgroups>();

/**
 * What the daemon's facts say of its cgroups, as its backend read them (a run's come from the facts cache): the
 * attempts' cgroup then needs no `GET /info` of its own, which would cost every `capstan run` a round trip before its
 * container's create. Without it, the first attempt asks. A rootless daemon is still told by its socket's owner.
 */
export function knowDaemonCgroups(client: DockerClient, facts: DaemonCgroups): void {
  if (!usable.has(client)) told.set(client, facts);
}

/**
 * The cgroup an attempt's container is made in, when its final usage can be read here: a daemon on this host's unix
 * socket, with the cgroupfs driver (systemd's wants slice names, and removes them itself), and this host's cgroup
 * file system mounted where the daemon makes them. Undefined otherwise: the attempt runs as before, its usage read
 * from the stats while it runs.
 */
export async function attemptCgroup(client: DockerClient, name: string, root = CGROUP_ROOT): Promise<AttemptCgroup | undefined> {
  if (client.endpoint.kind !== 'unix' || !/^[A-Za-z0-9][A-Za-z0-9_.-]{0,200}$/.test(name)) return undefined;
  if (!usable.has(client)) usable.set(client, probe(client, root));
  const version = await usable.get(client);
  return version === undefined ? undefined : { parent: `/${ATTEMPTS}/${name}`, version, root };
}

async function probe(client: DockerClient, root: string): Promise<1 | 2 | undefined> {
  // A rootless daemon (a socket of its user's) makes no cgroup of its own on cgroup v1, and is refused one anywhere.
  const socket = client.endpoint.kind === 'unix' ? await stat(client.endpoint.socketPath).catch(() => undefined) : undefined;
  if (socket?.uid !== 0) return undefined;
  const facts = told.get(client);
  if (facts?.rootless === true) return undefined;
  const info = facts === undefined ? ((await client.info().catch(() => undefined)) as (DaemonInfo & { readonly SecurityOptions?: unknown }) | undefined) : undefined;
  const driver = facts?.cgroupDriver ?? info?.CgroupDriver;
  if (driver !== 'cgroupfs') return undefined;
  if (Array.isArray(info?.SecurityOptions) && info.SecurityOptions.some((option) => String(option).includes('rootless'))) return undefined;
  const version = (facts?.cgroupVersion ?? info?.CgroupVersion) === '2' ? 2 : 1;
  const marker = version === 2 ? join(root, 'cgroup.controllers') : join(root, 'memory', 'memory.max_usage_in_bytes');
  const mounted = await access(marker).then(
    () => true,
    () => false,
  );
  if (!mounted) return undefined;
  void sweepStale(root, version);
  return version;
}

/** An attempt cgroup this old is no container's that is starting: one with processes (a live container) stays. */
const STALE_MS = 10 * 60_000;

/**
 * Removes the empty attempt cgroups that attempts which never reached their removal left (Capstan killed, a container
 * kept or left to a lost daemon and removed later): once per process and daemon. A cgroup with a process in it, or
 * a child with one, cannot be removed, so a running container's is never touched.
 */
export async function sweepStale(root: string, version: 1 | 2, now = Date.now()): Promise<void> {
  const tops = await controllerTops(root, version);
  for (const top of tops) {
    const folder = join(top, ATTEMPTS);
    for (const name of await readdir(folder).catch(() => [] as string[])) {
      const stats = await stat(join(folder, name)).catch(() => undefined);
      if (stats?.isDirectory() === true && now - stats.mtimeMs > STALE_MS) await removeTree(join(folder, name));
    }
  }
}

async function controllerTops(root: string, version: 1 | 2): Promise<string[]> {
  return version === 2 ? [root] : (await readdir(root).catch(() => [] as string[])).map((controller) => join(root, controller));
}

/**
 * After an attempt whose parent this host did not see (Capstan in a container of its own, beside a daemon on the
 * host): no later attempt on this daemon gets one, since this process could neither read nor remove it.
 */
export function stopAttemptCgroups(client: DockerClient): void {
  usable.set(client, Promise.resolve(undefined));
}

/**
 * Whether the parent shows here: the runtime makes it at the container's start, so a host that does not see it does
 * not see the daemon's cgroups (a daemon in another mount namespace), and nothing there is read.
 */
export async function seesParent(cgroup: AttemptCgroup): Promise<boolean> {
  const folder = cgroup.version === 2 ? join(cgroup.root, cgroup.parent) : join(cgroup.root, 'memory', cgroup.parent);
  return access(folder).then(
    () => true,
    () => false,
  );
}

/** The attempt's totals from its parent cgroup; null when nothing there can be read. Each file is parsed strictly. */
export function readAttemptCgroup(cgroup: AttemptCgroup): Promise<UsageReading | null> {
  return cgroupReading(cgroup.version, (controller, name) => readSmall(cgroup.version === 2 ? join(cgroup.root, cgroup.parent, name) : join(cgroup.root, controller, cgroup.parent, name)));
}

/** Tries for this long while a process is still leaving the parent (Podman's conmon ends after the removal). */
const REMOVE_TRIES = 20;
const REMOVE_PAUSE_MS = 100;

/** Removes the parent cgroup once the container is gone, deepest first (Podman leaves its conmon's cgroup in it). */
export async function removeAttemptCgroup(cgroup: AttemptCgroup): Promise<void> {
  const tops = await controllerTops(cgroup.root, cgroup.version);
  for (let attempt = 1; attempt <= REMOVE_TRIES; attempt += 1) {
    const left = await Promise.all(tops.map((top) => removeTree(join(top, cgroup.parent))));
    // Still busy at the end: a kept container's (removed by hand, as the container), or a process that outlived it.
    if (!left.includes(true)) return;
    await sleep(REMOVE_PAUSE_MS);
  }
}

/** Whether something of `folder` is left that is busy. */
async function removeTree(folder: string): Promise<boolean> {
  const entries = await readdir(folder, { withFileTypes: true }).catch(() => undefined);
  if (entries === undefined) return false;
  await Promise.all(entries.filter((entry) => entry.isDirectory()).map((entry) => removeTree(join(folder, entry.name))));
  return rmdir(folder).then(
    () => false,
    (error: NodeJS.ErrnoException) => error.code === 'EBUSY',
  );
}

async function readSmall(path: string): Promise<string | undefined> {
  const text = await readFile(path, 'utf8').catch(() => undefined);
  return text === undefined || text.length > FILE_MAX_BYTES ? undefined : text;
}
