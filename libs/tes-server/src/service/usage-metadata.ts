import { type ResourceUsage } from '@capstan/core-constraints';

/** Every usage key in a TES task log's `metadata` starts with this. */
export const USAGE_KEY_PREFIX = 'capstan.usage.';

type Field = 'peak_memory_bytes' | 'cpu_seconds' | 'cpu_user_seconds' | 'cpu_system_seconds' | 'cpu_percent_mean' | 'cpu_percent_peak' | 'read_bytes' | 'written_bytes' | 'wall_seconds' | 'samples';

// How each field reads from an attempt's usage, and how the task's total is made of its executors' (TES metadata is
// string to string, and only the task log has it: executor logs have no metadata field).
const FIELDS: ReadonlyArray<{ readonly key: Field; readonly read: (usage: ResourceUsage) => number | undefined; readonly total: 'max' | 'sum' | 'none' }> = [
  { key: 'peak_memory_bytes', read: (usage) => usage.peakMemoryBytes, total: 'max' },
  {
    key: 'cpu_seconds',
    read: (usage) => (usage.cpuUserSeconds === undefined && usage.cpuSystemSeconds === undefined ? undefined : (usage.cpuUserSeconds ?? 0) + (usage.cpuSystemSeconds ?? 0)),
    total: 'sum',
  },
  { key: 'cpu_user_seconds', read: (usage) => usage.cpuUserSeconds, total: 'sum' },
  { key: 'cpu_system_seconds', read: (usage) => usage.cpuSystemSeconds, total: 'sum' },
  { key: 'cpu_percent_mean', read: (usage) => usage.cpuPercentMean, total: 'none' },
  { key: 'cpu_percent_peak', read: (usage) => usage.cpuPercentPeak, total: 'max' },
  { key: 'read_bytes', read: (usage) => usage.readBytes, total: 'sum' },
  { key: 'written_bytes', read: (usage) => usage.writtenBytes, total: 'sum' },
  { key: 'wall_seconds', read: (usage) => usage.wallSeconds, total: 'sum' },
  { key: 'samples', read: (usage) => usage.samples, total: 'sum' },
];

const executorKey = (index: number, field: string): string => `${USAGE_KEY_PREFIX}executor.${index}.${field}`;
const taskKey = (field: string): string => `${USAGE_KEY_PREFIX}${field}`;

/** Three decimals at most: the figures are measurements, not exact sums, and a metadata value stays short. */
function format(value: number): string {
  return String(Math.round(value * 1000) / 1000);
}

/**
 * `metadata` with executor `index`'s usage written under `capstan.usage.executor.<index>.<field>`, and the task's
 * totals (`capstan.usage.<field>`: peak memory and peak CPU % the highest, the others summed over its executors)
 * made again from every executor's keys. `partial` says why figures are lower bounds, when they are.
 */
export function withUsageMetadata(metadata: Readonly<Record<string, string>> | undefined, index: number, usage: ResourceUsage): Record<string, string> {
  const next: Record<string, string> = { ...metadata };
  for (const field of FIELDS) {
    const value = field.read(usage);
    if (value !== undefined && Number.isFinite(value)) next[executorKey(index, field.key)] = format(value);
    else delete next[executorKey(index, field.key)];
  }
  if (usage.partial !== undefined) next[executorKey(index, 'partial')] = usage.partial;
  for (const field of FIELDS) {
    if (field.total === 'none') continue;
    const values = Object.entries(next)
      .filter(([key]) => key.startsWith(`${USAGE_KEY_PREFIX}executor.`) && key.endsWith(`.${field.key}`))
      .map(([, value]) => Number(value));
    if (values.length === 0) continue;
    next[taskKey(field.key)] = format(field.total === 'max' ? Math.max(...values) : values.reduce((sum, value) => sum + value, 0));
  }
  return next;
}

/** The task's total of `field` in a task log's metadata, when its backend reported it. */
export function usageTotal(metadata: Readonly<Record<string, string>> | undefined, field: 'peak_memory_bytes' | 'cpu_seconds'): number | undefined {
  const value = metadata?.[taskKey(field)];
  return value === undefined ? undefined : Number(value);
}
