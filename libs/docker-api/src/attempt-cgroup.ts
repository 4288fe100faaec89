import { type UsageReading } from '@capstan/support';
import { access, readdir, readFile, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type DockerClient } from './docker-client';

/** Where this host's cgroup file system is mounted. */
export const CGROUP_ROOT = '/sys/fs/cgroup';
/** Linux reports cgroup v1's cpuacct.stat in USER_HZ ticks, 100 a second on every architecture it runs on. */
const USER_HZ = 100;
const NS_PER_SECOND = 1e9;
const US_PER_SECOND = 1e6;
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
  return version === undefined ? undefined : { parent: `/capstan-attempts/${name}`, version, root };
}

async function probe(client: DockerClient, root: string): Promise<1 | 2 | undefined> {
  const info = await client.info().catch(() => undefined);
  if (info?.CgroupDriver !== 'cgroupfs') return undefined;
  const version = info.CgroupVersion === '2' ? 2 : 1;
  const marker = version === 2 ? join(root, 'cgroup.controllers') : join(root, 'memory', 'memory.max_usage_in_bytes');
  return access(marker).then(
    () => version,
    () => undefined,
  );
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
export async function readAttemptCgroup(cgroup: AttemptCgroup): Promise<UsageReading | null> {
  const file = (controller: string, name: string): Promise<string | undefined> => readSmall(cgroup.version === 2 ? join(cgroup.root, cgroup.parent, name) : join(cgroup.root, controller, cgroup.parent, name));
  const reading: { -readonly [K in keyof UsageReading]: UsageReading[K] } = {};
  if (cgroup.version === 1) {
    const peak = count(await file('memory', 'memory.max_usage_in_bytes'));
    const total = count(await file('cpuacct', 'cpuacct.usage'));
    const split = keyed(await file('cpuacct', 'cpuacct.stat'));
    const io = await file('blkio', 'blkio.throttle.io_service_bytes_recursive');
    if (peak !== undefined) reading.peakMemoryBytes = peak;
    if (total !== undefined) reading.cpuSeconds = total / NS_PER_SECOND;
    if (split?.get('user') !== undefined && split.get('system') !== undefined) {
      reading.cpuUserSeconds = (split.get('user') as number) / USER_HZ;
      reading.cpuSystemSeconds = (split.get('system') as number) / USER_HZ;
    }
    const bytes = io === undefined ? undefined : v1Io(io);
    if (bytes !== undefined) Object.assign(reading, bytes);
  } else {
    const peak = count(await file('', 'memory.peak'));
    const cpu = keyed(await file('', 'cpu.stat'));
    const io = await file('', 'io.stat');
    if (peak !== undefined) reading.peakMemoryBytes = peak;
    if (cpu?.get('usage_usec') !== undefined) reading.cpuSeconds = (cpu.get('usage_usec') as number) / US_PER_SECOND;
    if (cpu?.get('user_usec') !== undefined && cpu.get('system_usec') !== undefined) {
      reading.cpuUserSeconds = (cpu.get('user_usec') as number) / US_PER_SECOND;
      reading.cpuSystemSeconds = (cpu.get('system_usec') as number) / US_PER_SECOND;
    }
    const bytes = io === undefined ? undefined : v2Io(io);
    if (bytes !== undefined) Object.assign(reading, bytes);
  }
  return Object.keys(reading).length === 0 ? null : reading;
}

/** Tries for this long while a process is still leaving the parent (Podman's conmon ends after the removal). */
const REMOVE_TRIES = 20;
const REMOVE_PAUSE_MS = 100;

/** Removes the parent cgroup once the container is gone, deepest first (Podman leaves its conmon's cgroup in it). */
export async function removeAttemptCgroup(cgroup: AttemptCgroup): Promise<void> {
  const tops = cgroup.version === 2 ? [cgroup.root] : (await readdir(cgroup.root).catch(() => [] as string[])).map((controller) => join(cgroup.root, controller));
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

/** One non-negative integer on a line of its own; anything else is unreadable, never 0. */
export function count(text: string | undefined): number | undefined {
  const match = /^([0-9]{1,20})\n?$/.exec(text ?? '');
  const value = match === null ? Number.NaN : Number(match[1]);
  return Number.isSafeInteger(value) ? value : undefined;
}

/** `key value` lines (cpuacct.stat, cpu.stat); undefined when a line is of another shape. */
export function keyed(text: string | undefined): Map<string, number> | undefined {
  if (text === undefined) return undefined;
  const values = new Map<string, number>();
  for (const line of text.split('\n').filter((one) => one !== '')) {
    const match = /^([a-z_]{1,64}) ([0-9]{1,20})$/.exec(line);
    const value = Number(match?.[2]);
    if (match === null || !Number.isSafeInteger(value)) return undefined;
    values.set(match[1] as string, value);
  }
  return values;
}

/** blkio's `MAJ:MIN Op bytes` lines and its `Total n` line; the devices' Read and Write summed. */
function v1Io(text: string): { readBytes: number; writtenBytes: number } | undefined {
  let readBytes = 0;
  let writtenBytes = 0;
  for (const line of text.split('\n').filter((one) => one !== '')) {
    if (/^Total [0-9]{1,20}$/.test(line)) continue;
    const match = /^[0-9]{1,10}:[0-9]{1,10} (Read|Write|Sync|Async|Discard|Total) ([0-9]{1,20})$/.exec(line);
    if (match === null) return undefined;
    if (match[1] === 'Read') readBytes += Number(match[2]);
    if (match[1] === 'Write') writtenBytes += Number(match[2]);
  }
  return { readBytes, writtenBytes };
}

/** io.stat's `MAJ:MIN key=value ...` lines; rbytes and wbytes summed over the devices. */
function v2Io(text: string): { readBytes: number; writtenBytes: number } | undefined {
  let readBytes = 0;
  let writtenBytes = 0;
  for (const line of text.split('\n').filter((one) => one !== '')) {
    const [device, ...pairs] = line.split(' ');
    if (!/^[0-9]{1,10}:[0-9]{1,10}$/.test(device ?? '')) return undefined;
    for (const pair of pairs) {
      const match = /^([a-z_]{1,32})=([0-9]{1,20})$/.exec(pair);
      if (match === null) return undefined;
      if (match[1] === 'rbytes') readBytes += Number(match[2]);
      if (match[1] === 'wbytes') writtenBytes += Number(match[2]);
    }
  }
  return { readBytes, writtenBytes };
}
