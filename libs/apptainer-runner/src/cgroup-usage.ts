import { processGroupUsageReader, readProcessesUsage } from '@capstan/process-kit/internal';
import { type UsageReader, type UsageReading } from '@capstan/support';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type AttemptCgroup } from './cgroups';

/** USER_HZ of cgroup v1's cpuacct.stat. */
const TICKS_PER_SECOND = 100;

/** The cgroup files usage is read from: host paths Capstan made for the attempt, never a path the task names. */
async function read(folder: string, file: string): Promise<string | undefined> {
  return readFile(join(folder, file), 'utf8').catch(() => undefined);
}

function field(text: string | undefined, name: string): number | undefined {
  const match = text === undefined ? null : new RegExp(`^${name}[ =]([0-9]+)$`, 'm').exec(text);
  return match === null ? undefined : Number(match[1]);
}

function sumFields(text: string | undefined, name: string): number | undefined {
  if (text === undefined) return undefined;
  const values = [...text.matchAll(new RegExp(`\\b${name}=([0-9]+)`, 'g'))].map((match) => Number(match[1]));
  return values.reduce((total, value) => total + value, 0);
}

/**
 * One reading of an attempt's cgroup. Memory from the cgroup: the peak from its high-water mark (v1
 * `memory.max_usage_in_bytes`, v2 `memory.peak` where the kernel has it, else the current value), now less the inactive
 * page cache. CPU from `cpu.stat` (v2) or `cpuacct.stat` where the cpu hierarchy carries cpuacct (v1), I/O from
 * `io.stat` (v2); what the cgroup does not count is read from its processes in /proc (see `readProcessesUsage`).
 * Null once the cgroup holds nothing and counts no CPU.
 */
export async function readCgroupUsage(cgroup: AttemptCgroup): Promise<UsageReading | null> {
  const memory = cgroup.memoryFolder;
  const v2 = cgroup.version === 2;
  const [stat, current, peak, cpu, io] = await Promise.all([
    read(memory, 'memory.stat'),
    read(memory, v2 ? 'memory.current' : 'memory.usage_in_bytes'),
    read(memory, v2 ? 'memory.peak' : 'memory.max_usage_in_bytes'),
    read(cgroup.cpuFolder, v2 ? 'cpu.stat' : 'cpuacct.stat'),
    v2 ? read(memory, 'io.stat') : Promise.resolve(undefined),
  ]);
  const reading: { -readonly [K in keyof UsageReading]: UsageReading[K] } = {};
  if (current !== undefined) reading.memoryBytes = Math.max(0, Number(current) - (field(stat, v2 ? 'inactive_file' : 'total_inactive_file') ?? 0));
  if (peak !== undefined && Number(peak) > 0) reading.peakMemoryBytes = Number(peak);
  const [user, system] = v2 ? [field(cpu, 'user_usec'), field(cpu, 'system_usec')].map((us) => (us === undefined ? undefined : us / 1e6)) : [field(cpu, 'user'), field(cpu, 'system')].map((ticks) => (ticks === undefined ? undefined : ticks / TICKS_PER_SECOND));
  if (user !== undefined && system !== undefined) {
    reading.cpuUserSeconds = user;
    reading.cpuSystemSeconds = system;
  }
  if (v2 && io !== undefined) {
    reading.readBytes = sumFields(io, 'rbytes');
    reading.writtenBytes = sumFields(io, 'wbytes');
  }
  if (reading.cpuUserSeconds === undefined || reading.readBytes === undefined) {
    const members = readProcessesUsage(await cgroup.members());
    reading.cpuUserSeconds ??= members?.cpuUserSeconds;
    reading.cpuSystemSeconds ??= members?.cpuSystemSeconds;
    reading.readBytes ??= members?.readBytes;
    reading.writtenBytes ??= members?.writtenBytes;
  }
  const defined = Object.fromEntries(Object.entries(reading).filter(([, value]) => value !== undefined)) as UsageReading;
  return Object.keys(defined).length === 0 ? null : defined;
}

/** The attempt's cgroup when it has one, else its process group (Apptainer run without cgroups). */
export function attemptUsageReader(cgroup: AttemptCgroup | undefined, pid: number): UsageReader {
  return cgroup === undefined ? processGroupUsageReader(pid) : () => readCgroupUsage(cgroup);
}
