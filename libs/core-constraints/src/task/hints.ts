import { z } from 'zod';
import { CapstanError, ErrorCode } from '../errors/capstan-error';
import { readAliased } from '../schema/keys';
import { lazySchema } from '../schema/lazy-schema';
import { capstanParser, joinPath, parseWithSchema } from '../schema/zod-bridge';
import { describeValue, parseSize } from '../units/size';

/** An accelerator hint: a count, or a specification such as a model name. */
export type AcceleratorHint = { readonly count: number } | { readonly spec: string };

/**
 * The `hints` section. Reserved hints are typed and checked (WDL: an engine that supports a reserved hint enforces its
 * type); every other hint is kept as written in `other` and never fails a task.
 */
export interface Hints {
  readonly maxCpu?: number;
  /** Bytes. */
  readonly maxMemory?: number;
  readonly gpu?: AcceleratorHint;
  readonly fpga?: AcceleratorHint;
  /** A disk class for every mount (`"SSD"`), or one per mount point. */
  readonly disks?: string | Readonly<Record<string, string>>;
  readonly shortTask: boolean;
  /** Retries allowed on preemption. */
  readonly preemptible: number;
  readonly localizationOptional: boolean;
  readonly other: Readonly<Record<string, unknown>>;
}

const RESERVED = {
  maxCpu: ['max_cpu', 'maxCpu'],
  maxMemory: ['max_memory', 'maxMemory'],
  gpu: ['gpu'],
  fpga: ['fpga'],
  disks: ['disks'],
  shortTask: ['short_task'],
  preemptible: ['preemptible'],
  localizationOptional: ['localization_optional', 'localizationOptional'],
} as const satisfies Record<Exclude<keyof Hints, 'other'>, readonly [string, ...string[]]>;

const RESERVED_KEYS: ReadonlySet<string> = new Set(Object.values(RESERVED).flat());

/**
 * Hints Capstan's engine reads itself (hints are open in WDL, so these never conflict with the reserved ones). A new
 * engine hint is added here, so that a misspelling of it is warned about (see taskWarnings).
 */
export const ENGINE_HINT_KEYS = ['shell', 'timeout', 'memory_retry_multiplier', 'backend', 'labels'] as const;

/** Every hint key Capstan reads: WDL's reserved hints with their aliases, and the engine's own. */
export const KNOWN_HINT_KEYS: readonly string[] = [...RESERVED_KEYS, ...ENGINE_HINT_KEYS];

// Each built at the first task that gives its hint (lazySchema), then kept for the next.
const SCHEMAS = {
  accelerator: lazySchema((): z.ZodType<AcceleratorHint> =>
    z.union([z.number().int().nonnegative().transform((count) => ({ count })), z.string().min(1).transform((spec) => ({ spec }))], {
      error: (issue) => `${describeValue(issue.input)} is neither a count of accelerators (e.g. 2) nor a specification (e.g. "nvidia-tesla-t4")`,
    }),
  ),
  maxCpu: lazySchema(() => z.number().positive().finite()),
  maxMemory: lazySchema(() => capstanParser((v) => parseSize(v))),
  disks: lazySchema(() =>
    z.union([z.string().min(1), z.record(z.string(), z.string())], {
      error: (issue) => `${describeValue(issue.input)} is neither a disk class for every mount (e.g. "SSD") nor a mapping of mount point to class (e.g. {"/mnt/scratch": "HDD"})`,
    }),
  ),
  flag: lazySchema(() => z.boolean()),
  preemptible: lazySchema(() =>
    z.union([z.number().int().nonnegative(), z.boolean().transform(Number)], {
      error: (issue) => `${describeValue(issue.input)} is not a number of retries on preemption (e.g. 2) or true/false`,
    }),
  ),
};

export function parseHints(value: unknown, path: string | null = 'hints'): Hints {
  const section = value ?? {};
  if (typeof section !== 'object' || Array.isArray(section)) {
    throw new CapstanError(ErrorCode.InvalidValue, 'hints must be a mapping of hint names to values', { path });
  }
  const entries = section as Record<string, unknown>;
  const read = <T>(hint: keyof typeof RESERVED, schema: () => z.ZodType<T>): T | undefined => {
    const found = readAliased(entries, RESERVED[hint], path);
    return found === undefined ? undefined : parseWithSchema(schema(), found.value, joinPath(path, found.key));
  };
  // Built with loops, not Object.entries/fromEntries: a server parses the hints of every task it takes.
  const other: Record<string, unknown> = {};
  for (const key of Object.keys(entries)) {
    if (RESERVED_KEYS.has(key)) continue;
    // A "__proto__" key (JSON.parse makes it an own key) stays a key: assigning it would set the prototype instead.
    if (key === '__proto__') Object.defineProperty(other, key, { value: entries[key], enumerable: true, writable: true, configurable: true });
    else other[key] = entries[key];
  }
  const maxCpu = read('maxCpu', SCHEMAS.maxCpu);
  const maxMemory = read('maxMemory', SCHEMAS.maxMemory);
  const gpu = read('gpu', SCHEMAS.accelerator);
  const fpga = read('fpga', SCHEMAS.accelerator);
  const disks = read('disks', SCHEMAS.disks);
  return {
    ...(maxCpu === undefined ? {} : { maxCpu }),
    ...(maxMemory === undefined ? {} : { maxMemory }),
    ...(gpu === undefined ? {} : { gpu }),
    ...(fpga === undefined ? {} : { fpga }),
    ...(disks === undefined ? {} : { disks }),
    shortTask: read('shortTask', SCHEMAS.flag) ?? false,
    preemptible: read('preemptible', SCHEMAS.preemptible) ?? 0,
    localizationOptional: read('localizationOptional', SCHEMAS.flag) ?? false,
    other,
  };
}
