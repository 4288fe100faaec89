import { formatBytes, type ResourceUsage } from '@capstan/core-constraints';
import { type AttemptRecord, type TaskResult } from '@capstan/engine';

const MIB = 1024 * 1024;

/**
 * When the summary says a request and the use differ widely (docs/cli.md lists them). Small requests are left alone:
 * a 256 MiB task that peaked at 20 MiB costs nobody much, and a short task's CPU average says little.
 */
export const RIGHT_SIZING = {
  /** A peak below this share of the memory request... */
  memoryLowShare: 0.25,
  /** ...of a request of at least this much. */
  memoryLowMinRequest: 512 * MIB,
  /** A mean CPU below this share of the CPUs requested... */
  cpuLowShare: 0.25,
  /** ...of at least this many CPUs... */
  cpuLowMinRequest: 2,
  /** A mean CPU above this multiple of the CPUs requested. */
  cpuHighFactor: 1.5,
  /** CPU lines only for attempts that ran at least this long. */
  cpuMinWallSeconds: 10,
} as const;

/**
 * The usage of each task's last attempt, then the right-sizing lines; empty when no backend reported usage. An attempt
 * of which nothing was read (it ended before the first reading) has no row: `--json` keeps its reason.
 */
export function usageSummary(results: readonly TaskResult[]): string {
  const reported = results.flatMap((result) => {
    const last = result.attempts[result.attempts.length - 1];
    return last?.usage === undefined ? [] : [{ task: result.taskName, attempt: last, usage: last.usage }];
  });
  const measured = reported.filter((entry) => entry.usage.samples > 0);
  const notes = reported.flatMap(({ task, attempt, usage }) => rightSizing(attempt, usage).map((note) => `  ${task}: ${note}`));
  if (measured.length === 0 && notes.length === 0) return '';
  const width = Math.max(0, ...measured.map((entry) => entry.task.length));
  const rows = measured.map(({ task, usage }) => `  ${task.padEnd(width)}  ${usageLine(usage)}\n`);
  return `\nUsage (last attempt):\n${rows.join('')}${notes.length > 0 ? `${notes.join('\n')}\n` : ''}`;
}

/** One attempt's usage in a line; what the backend could not read is left out. */
export function usageLine(usage: ResourceUsage): string {
  const parts: string[] = [];
  if (usage.peakMemoryBytes !== undefined) parts.push(`peak ${formatBytes(usage.peakMemoryBytes)}`);
  const cpu = cpuSeconds(usage);
  if (cpu !== undefined) {
    const split = usage.cpuUserSeconds !== undefined && usage.cpuSystemSeconds !== undefined ? ` (user ${usage.cpuUserSeconds.toFixed(1)}, system ${usage.cpuSystemSeconds.toFixed(1)})` : '';
    parts.push(`CPU ${cpu.toFixed(1)} s${split}`);
  }
  if (usage.cpuPercentMean !== undefined) parts.push(`mean ${Math.round(usage.cpuPercentMean)}%${usage.cpuPercentPeak === undefined ? '' : `, peak ${Math.round(usage.cpuPercentPeak)}%`}`);
  if (usage.readBytes !== undefined) parts.push(`read ${formatBytes(usage.readBytes)}`);
  if (usage.writtenBytes !== undefined) parts.push(`written ${formatBytes(usage.writtenBytes)}`);
  if (parts.length === 0) parts.push('nothing read');
  return `${parts.join(', ')}${usage.partial === undefined ? '' : ` (partial: ${usage.partial})`}`;
}

/** Lines for a request far from the use, and for an out-of-memory end. */
export function rightSizing(attempt: AttemptRecord, usage: ResourceUsage): string[] {
  const notes: string[] = [];
  const peak = usage.peakMemoryBytes;
  if (attempt.endReason === 'oom') {
    const limit = attempt.memoryLimit ?? attempt.memory;
    notes.push(`out of memory at ${formatBytes(limit)}${peak === undefined ? '' : ` (peak read ${formatBytes(peak)})`}: raise memory, or set the memory_retry_multiplier hint`);
  } else if (peak !== undefined && attempt.memory >= RIGHT_SIZING.memoryLowMinRequest && peak < attempt.memory * RIGHT_SIZING.memoryLowShare) {
    notes.push(`peak ${formatBytes(peak)} of ${formatBytes(attempt.memory)} requested: memory could be lowered`);
  } else if (peak !== undefined && peak > attempt.memory) {
    notes.push(`peak ${formatBytes(peak)} above the ${formatBytes(attempt.memory)} requested: raise memory, or the task may be killed where memory is tight`);
  }
  const cpu = cpuSeconds(usage);
  const wall = usage.wallSeconds;
  if (cpu !== undefined && wall !== undefined && wall >= RIGHT_SIZING.cpuMinWallSeconds) {
    const used = cpu / wall;
    if (attempt.cpu >= RIGHT_SIZING.cpuLowMinRequest && used < attempt.cpu * RIGHT_SIZING.cpuLowShare) notes.push(`CPU ${used.toFixed(1)} of ${attempt.cpu} requested on average: cpu could be lowered`);
    else if (used > attempt.cpu * RIGHT_SIZING.cpuHighFactor) notes.push(`CPU ${used.toFixed(1)} on average, above the ${attempt.cpu} requested: raise cpu`);
  }
  return notes;
}

function cpuSeconds(usage: ResourceUsage): number | undefined {
  if (usage.cpuUserSeconds !== undefined && usage.cpuSystemSeconds !== undefined) return usage.cpuUserSeconds + usage.cpuSystemSeconds;
  return usage.cpuPercentMean !== undefined && usage.wallSeconds !== undefined ? (usage.cpuPercentMean * usage.wallSeconds) / 100 : undefined;
}
