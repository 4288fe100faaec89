import { type UsageReading } from '@capstan/support';

/**
 * sacct's columns for the final usage of a job's steps. Fixed, `--parsable2 --noheader`: none of them is text a task
 * controls (no JobName, Comment, WorkDir), so a `|` or a newline in a task's name or comment cannot shift a field.
 */
export const SACCT_FIELDS = ['JobID', 'State', 'MaxRSS', 'UserCPU', 'SystemCPU', 'TotalCPU', 'AveCPU', 'MaxDiskRead', 'MaxDiskWrite', 'Elapsed'] as const;
/** sstat's columns for a reading of the running batch step (sstat has no UserCPU/SystemCPU: AveCPU is its CPU time so far). */
export const SSTAT_FIELDS = ['JobID', 'MaxRSS', 'AveCPU', 'MaxDiskRead', 'MaxDiskWrite'] as const;

/** What Slurm's accounting says a step used; absent: the field was blank (not gathered). */
export interface StepUsage extends UsageReading {
  readonly stepId: string;
  readonly state?: string;
  readonly elapsedSeconds?: number;
}

const UNITS: Record<string, number> = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4, P: 1024 ** 5 };

/** `204800K`, `1.50M`, `0`, `2012` (bytes) as bytes; blank is undefined; anything else throws. */
export function parseSlurmBytes(text: string): number | undefined {
  if (text === '') return undefined;
  const match = /^([0-9]+(?:\.[0-9]+)?)([KMGTP]?)$/.exec(text);
  if (match === null) throw new Error(`"${text}" is not a Slurm size (a number with an optional K, M, G, T or P)`);
  return Math.round(Number(match[1]) * (UNITS[match[2] ?? ''] ?? 1));
}

/** `[DD-[HH:]]MM:SS[.mmm]` (and `HH:MM:SS` without days) as seconds; blank is undefined; anything else throws. */
export function parseSlurmDuration(text: string): number | undefined {
  if (text === '') return undefined;
  const match = /^(?:([0-9]+)-)?(?:([0-9]{1,2}):)?([0-9]{1,2}):([0-9]{2}(?:\.[0-9]{1,6})?)$/.exec(text);
  // Slurm writes hours whenever it writes days (DD-HH:MM:SS); DD-MM:SS would be ambiguous.
  if (match === null || (match[1] !== undefined && match[2] === undefined)) {
    throw new Error(`"${text}" is not a Slurm duration ([DD-[HH:]]MM:SS[.mmm])`);
  }
  const [, days = '0', hours = '0', minutes = '0', seconds = '0'] = match;
  if (Number(minutes) > 59 || Number(seconds) >= 60 || Number(hours) > 23) throw new Error(`"${text}" is not a Slurm duration (a field is out of range)`);
  return Number(days) * 86_400 + Number(hours) * 3600 + Number(minutes) * 60 + Number(seconds);
}

/**
 * The lines of `sacct`/`sstat --parsable2 --noheader --format=FIELDS --jobs=...` for the steps `ID.STEP` (`batch` by
 * default) of the jobs asked about. Every line must have exactly the asked-for columns and the id of one of those
 * jobs: anything else throws, so a malformed answer marks the usage partial rather than putting a wrong number in it.
 */
export function parseStepUsages(output: string, fields: readonly string[], jobIds: ReadonlySet<string>, step = 'batch'): Map<string, StepUsage> {
  const found = new Map<string, StepUsage>();
  for (const line of output.split('\n')) {
    if (line === '') continue;
    const values = line.split('|');
    if (values.length !== fields.length) throw new Error(`a line of ${values.length} columns where ${fields.length} were asked for: "${line.slice(0, 200)}"`);
    const column = (name: string): string => values[fields.indexOf(name)] ?? '';
    const id = column('JobID');
    const match = /^([0-9]+)(?:\.([a-z0-9]+))?$/.exec(id);
    if (match === null || !jobIds.has(match[1] ?? '')) throw new Error(`a line of another job (${id.slice(0, 40)}) where only ${[...jobIds].join(', ')} were asked for`);
    if (match[2] === step) found.set(match[1] ?? '', parseColumns(id, column, fields));
  }
  return found;
}

/** The step `ID.STEP` of one job (see {@link parseStepUsages}); undefined when it has no line (yet). */
export function parseStepUsage(output: string, fields: readonly string[], jobId: string, step = 'batch'): StepUsage | undefined {
  return parseStepUsages(output, fields, new Set([jobId]), step).get(jobId);
}

function parseColumns(stepId: string, column: (name: string) => string, fields: readonly string[]): StepUsage {
  const has = (name: string): boolean => fields.includes(name);
  const user = has('UserCPU') ? parseSlurmDuration(column('UserCPU')) : undefined;
  const system = has('SystemCPU') ? parseSlurmDuration(column('SystemCPU')) : undefined;
  // Every time column asked for is parsed, so a malformed one is never passed over in silence.
  const average = has('AveCPU') ? parseSlurmDuration(column('AveCPU')) : undefined;
  const total = (has('TotalCPU') ? parseSlurmDuration(column('TotalCPU')) : undefined) ?? average;
  return definedOnly({
    stepId,
    state: has('State') ? column('State').split(' ')[0] : undefined,
    peakMemoryBytes: parseSlurmBytes(column('MaxRSS')),
    cpuUserSeconds: user,
    cpuSystemSeconds: system,
    cpuSeconds: user !== undefined && system !== undefined ? undefined : total,
    readBytes: parseSlurmBytes(column('MaxDiskRead')),
    writtenBytes: parseSlurmBytes(column('MaxDiskWrite')),
    elapsedSeconds: has('Elapsed') ? parseSlurmDuration(column('Elapsed')) : undefined,
  });
}

/** The object without its undefined fields: an absent figure was not read, which is not 0. */
export function definedOnly<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as T;
}
