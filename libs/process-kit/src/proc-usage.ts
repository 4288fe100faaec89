import { type UsageReader, type UsageReading } from '@capstan/support';
import { readdirSync, readFileSync } from 'node:fs';

/** Linux reports CPU times in /proc in USER_HZ, 100 on every architecture Capstan runs on. */
const TICKS_PER_SECOND = 100;
const PAGE_BYTES = 4096;

/** What /proc tells of one process: its group, CPU (its own and its reaped children's), memory and I/O. */
export interface ProcStat {
  readonly pid: number;
  readonly pgrp: number;
  /** utime + cutime, in seconds: what it ran in user mode, itself and the children it waited for. */
  readonly userSeconds: number;
  readonly systemSeconds: number;
  readonly rssBytes: number;
}

/**
 * Parses /proc/<pid>/stat. The command name (field 2) is in parentheses and may itself hold spaces and ")" (a task
 * names its processes as it likes), so fields are counted from the last ")".
 */
export function parseProcStat(pid: number, text: string): ProcStat | null {
  const close = text.lastIndexOf(')');
  if (close < 0) return null;
  const fields = text.slice(close + 2).trim().split(' ');
  // fields[0] is field 3 (state): field n is fields[n - 3].
  const number = (field: number): number => Number(fields[field - 3]);
  const [pgrp, utime, stime, cutime, cstime, rss] = [number(5), number(14), number(15), number(16), number(17), number(24)];
  if (![pgrp, utime, stime, cutime, cstime, rss].every(Number.isFinite)) return null;
  return { pid, pgrp, userSeconds: (utime + cutime) / TICKS_PER_SECOND, systemSeconds: (stime + cstime) / TICKS_PER_SECOND, rssBytes: rss * PAGE_BYTES };
}

/**
 * /proc is read synchronously: its files are made in memory on read, and the four event-loop round trips of each async
 * read cost six times the CPU (a scan of 150 processes here: 13 ms async, 2 ms sync) for no waiting saved.
 */
function read(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null; // the process ended meanwhile, or is another user's
  }
}

function statOf(pid: number): ProcStat | null {
  const text = read(`/proc/${pid}/stat`);
  return text === null ? null : parseProcStat(pid, text);
}

/** The processes whose process group is `pgid` (a scan of /proc: the kernel lists no group's members). */
export function processGroupMembers(pgid: number): number[] {
  return readdirSync('/proc').flatMap((entry) => {
    if (!/^[0-9]+$/.test(entry)) return [];
    const stat = statOf(Number(entry));
    return stat !== null && stat.pgrp === pgid ? [stat.pid] : [];
  });
}

/**
 * The usage of a set of processes, from /proc. Each one's CPU and I/O include the children it has waited for, so the
 * sum over the live processes of a tree counts every process of it that ended and was reaped inside it, once. What
 * is approximate: a process reaped outside the set (an orphan re-parented to init) is lost, and so is the set's
 * outermost process once it ended (nothing is left to read it from). Memory now is the sum of the resident sets
 * (shared pages count once per process); the peak is the larger of that sum's and one process's own high-water mark
 * (VmHWM). I/O is what reached storage (read_bytes, write_bytes), readable for processes of the same user or by root.
 */
export function readProcessesUsage(pids: readonly number[]): UsageReading | null {
  const all = pids.map((pid) => ({ stat: statOf(pid), status: read(`/proc/${pid}/status`) ?? '', io: read(`/proc/${pid}/io`) }));
  const live = all.filter((entry): entry is typeof entry & { stat: ProcStat } => entry.stat !== null);
  if (live.length === 0) return null;
  const sum = (values: number[]): number => values.reduce((total, value) => total + value, 0);
  const memoryBytes = sum(live.map((entry) => entry.stat.rssBytes));
  const hwm = Math.max(0, ...live.map((entry) => kib(/^VmHWM:\s+([0-9]+) kB$/m.exec(entry.status)?.[1])));
  const reading: { -readonly [K in keyof UsageReading]: UsageReading[K] } = {
    memoryBytes,
    peakMemoryBytes: Math.max(memoryBytes, hwm),
    cpuUserSeconds: sum(live.map((entry) => entry.stat.userSeconds)),
    cpuSystemSeconds: sum(live.map((entry) => entry.stat.systemSeconds)),
  };
  // I/O only when every process's could be read: a sum missing some would pass for the whole.
  if (live.every((entry) => entry.io !== null)) {
    reading.readBytes = sum(live.map((entry) => ioField(entry.io ?? '', 'read_bytes')));
    reading.writtenBytes = sum(live.map((entry) => ioField(entry.io ?? '', 'write_bytes')));
  }
  return reading;
}

/** Reads the usage of a process group led by `pgid` (the local backend's attempt). */
export function processGroupUsageReader(pgid: number): UsageReader {
  return () => Promise.resolve(readProcessesUsage(processGroupMembers(pgid)));
}

function kib(value: string | undefined): number {
  return value === undefined ? 0 : Number(value) * 1024;
}

function ioField(text: string, name: string): number {
  const match = new RegExp(`^${name}: ([0-9]+)$`, 'm').exec(text);
  return match === null ? 0 : Number(match[1]);
}
