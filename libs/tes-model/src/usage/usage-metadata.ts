import { type ResourceUsage } from '@capstan/core-constraints';

/**
 * The service-info `description` of a Capstan server: a client reads usage from such a server's task logs, and from
 * no other (whose metadata, if any, means something else).
 */
export const CAPSTAN_TES_DESCRIPTION = 'A GA4GH TES v1.1 server on the Capstan task-execution engine';

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

/** A figure a server wrote is believed only as a plain finite number within this (a hostile server sends anything). */
const MAX_FIGURE = 2 ** 53;

/**
 * The task's usage as a Capstan server wrote it into its task log's `metadata` (the totals, `capstan.usage.<field>`);
 * undefined when no key is there, as with any other TES server. A value that is not a plain non-negative number is
 * left out, never read as 0.
 */
export function usageFromMetadata(metadata: Readonly<Record<string, string>> | undefined): ResourceUsage | undefined {
  if (metadata === undefined || !Object.keys(metadata).some((key) => key.startsWith(USAGE_KEY_PREFIX))) return undefined;
  const figure = (field: Field): number | undefined => {
    const text = metadata[taskKey(field)];
    if (text === undefined || !/^[0-9]{1,20}(\.[0-9]{1,12})?$/.test(text)) return undefined;
    const value = Number(text);
    return value <= MAX_FIGURE ? value : undefined;
  };
  const wall = figure('wall_seconds');
  const user = figure('cpu_user_seconds');
  const system = figure('cpu_system_seconds');
  // The task's mean is not written (a mean of means would mislead): it is made from its CPU and wall seconds.
  const cpu = figure('cpu_seconds') ?? (user === undefined && system === undefined ? undefined : (user ?? 0) + (system ?? 0));
  const mean = cpu !== undefined && wall !== undefined && wall > 0 ? Math.round((cpu / wall) * 1000) / 10 : undefined;
  const partial = Object.entries(metadata).find(([key]) => key.startsWith(`${USAGE_KEY_PREFIX}executor.`) && key.endsWith('.partial'))?.[1];
  const usage: Record<string, number | string | undefined> = {
    peakMemoryBytes: figure('peak_memory_bytes'),
    cpuUserSeconds: user,
    cpuSystemSeconds: system,
    cpuPercentMean: mean,
    cpuPercentPeak: figure('cpu_percent_peak'),
    readBytes: figure('read_bytes'),
    writtenBytes: figure('written_bytes'),
    wallSeconds: wall,
    partial: partial?.replace(/\p{Cc}/gu, ' ').slice(0, 500),
  };
  const defined = Object.fromEntries(Object.entries(usage).filter(([, value]) => value !== undefined));
  return { ...defined, samples: figure('samples') ?? 0 } as ResourceUsage;
}
