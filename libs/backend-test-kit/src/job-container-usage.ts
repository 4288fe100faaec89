import { type ResourceUsage } from '@capstan/core-constraints';

const MIB = 1024 * 1024;

/** A task that holds 50 MiB (dd's one block) and ends at once: shorter than any reading interval. */
export const HOLD_50_MIB_AND_EXIT = 'dd if=/dev/zero bs=50M count=1 2>/dev/null | true';

/**
 * Shell (to put before a task's command) that writes a forged usage folder, `status-usage` with a 1-byte peak, in every
 * place a task in a job's container can write: its mounts and /tmp. The job's own folder is none of them.
 */
export const FORGE_USAGE_FOLDERS =
  'for d in /mnt/task /mnt/task/work /mnt/task/work/.. /tmp; do mkdir -p "$d/status-usage" && echo 1 >"$d/status-usage/version" && echo 1 >"$d/status-usage/memory.max_usage_in_bytes"; done 2>/dev/null;';

/**
 * What is wrong with the final usage of a {@link HOLD_50_MIB_AND_EXIT} task run in a job's container: it must hold one
 * reading, nothing partial, a peak from 50 to 80 MiB and some CPU. Empty when all holds.
 */
export function fiftyMibUsageProblems(usage: ResourceUsage | undefined): string[] {
  if (usage === undefined) return ['no usage at all'];
  const problems: string[] = [];
  if (usage.samples !== 1) problems.push(`${usage.samples} readings, not 1`);
  if (usage.partial !== undefined) problems.push(`partial: ${usage.partial}`);
  const peak = usage.peakMemoryBytes ?? 0;
  if (peak < 50 * MIB || peak > 80 * MIB) problems.push(`a peak of ${peak} bytes, not 50 to 80 MiB`);
  if ((usage.cpuUserSeconds ?? 0) + (usage.cpuSystemSeconds ?? 0) <= 0) problems.push('no CPU seconds');
  return problems;
}
