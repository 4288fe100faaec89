import { type UsageReading } from './usage-meter';

/** Linux reports cgroup v1's cpuacct.stat in USER_HZ ticks, 100 a second on every architecture it runs on. */
const USER_HZ = 100;
const NS_PER_SECOND = 1e9;
const US_PER_SECOND = 1e6;

/** Gives a cgroup file's text, undefined when it cannot be read (`controller` is cgroup v1's hierarchy, '' on v2). */
export type CgroupFileReader = (controller: string, name: string) => Promise<string | undefined>;

/**
 * The totals a cgroup's own files hold (peak memory, CPU seconds, block I/O), cgroup v1 or v2, each file parsed
 * strictly: a garbled one gives no figure, never 0. Null when no file gives one. The files may come from a cgroup
 * after its processes ended (an attempt's parent cgroup) or be copies of them (a job script's).
 */
export async function cgroupReading(version: 1 | 2, file: CgroupFileReader): Promise<UsageReading | null> {
  const reading: { -readonly [K in keyof UsageReading]: UsageReading[K] } = {};
  if (version === 1) {
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

/** The files `cgroupReading` reads, by cgroup version (what a job script copies). */
export const CGROUP_USAGE_FILES = {
  1: [
    ['memory', 'memory.max_usage_in_bytes'],
    ['cpuacct', 'cpuacct.usage'],
    ['cpuacct', 'cpuacct.stat'],
    ['blkio', 'blkio.throttle.io_service_bytes_recursive'],
  ],
  2: [
    ['', 'memory.peak'],
    ['', 'cpu.stat'],
    ['', 'io.stat'],
  ],
} as const;

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
