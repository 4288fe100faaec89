import { z } from 'zod';
import { type ContainerSource, parseContainerList } from '../containers/container-source';
import { CapstanError, ErrorCode } from '../errors/capstan-error';
import { assertKnownKeys, readAliased } from '../schema/keys';
import { lazySchema } from '../schema/lazy-schema';
import { joinPath, parseAt, parseWithSchema } from '../schema/zod-bridge';
import { DEFAULT_DISKS, type DiskSpec, parseDisks } from '../units/disk';
import { describeValue, GIB, parseSize } from '../units/size';

/** The `requirements` section with WDL 1.2 semantics, every attribute filled with the spec's default. */
export interface Requirements {
  /** Candidates in the order written; `"*"` (the default) is one candidate of kind `any`. */
  readonly container: readonly ContainerSource[];
  readonly cpu: number;
  /** Bytes. */
  readonly memory: number;
  readonly gpu: boolean;
  readonly fpga: boolean;
  readonly disks: readonly DiskSpec[];
  readonly maxRetries: number;
  /** Exit codes that mean success, or `*` for any. */
  readonly returnCodes: readonly number[] | '*';
}

/** Canonical key, then its aliases. */
const ATTRIBUTES = {
  container: ['container', 'docker'],
  cpu: ['cpu'],
  memory: ['memory'],
  gpu: ['gpu'],
  fpga: ['fpga'],
  disks: ['disks'],
  maxRetries: ['max_retries', 'maxRetries'],
  returnCodes: ['return_codes', 'returnCodes'],
} as const satisfies Record<keyof Requirements, readonly [string, ...string[]]>;

export const REQUIREMENT_KEYS: readonly string[] = Object.values(ATTRIBUTES).flat();

export const DEFAULT_MEMORY = 2 * GIB;

const cpuSchema = lazySchema(() => z.number().positive().finite());
/**
 * The most retries a task may ask for: each one runs the whole task again on the shared resources, and a task that
 * fails 20 times has a problem more retries will not fix.
 */
export const MAX_RETRIES = 20;

const retriesSchema = lazySchema(() =>
  z
    .number()
    .int()
    .nonnegative()
    .superRefine((retries, context) => {
      if (retries <= MAX_RETRIES) return;
      context.addIssue({
        code: 'custom',
        message: `${retries} is above the limit of ${MAX_RETRIES} retries (each retry runs the whole task again); write at most ${MAX_RETRIES}, and fix what makes the task fail`,
        params: { capstanCode: ErrorCode.InvalidValue },
      });
    }),
);
// Each built at the first task that gives its attribute (lazySchema), then kept for the next.
const flagSchema = lazySchema(() => z.boolean());
// Capstan's own parsers, called directly (parseAt) rather than through a zod schema that only wraps them.
const parseContainer = (value: unknown): readonly ContainerSource[] => parseContainerList(value, null);
/** The default container, `"*"`: one candidate of kind `any` (shared, read-only). */
const ANY_CONTAINER_LIST: readonly ContainerSource[] = Object.freeze(parseContainerList('*', null));
const returnCodesSchema = lazySchema(() => {
  const exitCode = z.number().int();
  return z.union([z.literal('*'), exitCode.transform((code) => [code]), z.array(exitCode).min(1)], {
    error: (issue) => `${describeValue(issue.input)} is not an exit code, a non-empty list of exit codes, or "*" (any code); write e.g. 0, [0, 3] or "*"`,
  });
});

/**
 * Reads `requirements`. Keys are closed: an unknown key is an error with a suggestion (custom attributes belong in
 * `hints`). Throws only CapstanError, with the path below `path`.
 */
export function parseRequirements(value: unknown, path: string | null = 'requirements'): Requirements {
  const section = value ?? {};
  if (typeof section !== 'object' || Array.isArray(section)) {
    throw new CapstanError(ErrorCode.InvalidValue, 'requirements must be a mapping of attribute names to values', { path });
  }
  const entries = section as Record<string, unknown>;
  assertKnownKeys(entries, REQUIREMENT_KEYS, path, 'requirements are closed in WDL 1.2: put other attributes under hints');

  const read = <T>(attribute: keyof typeof ATTRIBUTES, schema: () => z.ZodType<T>, fallback: T): T => {
    const found = readAliased(entries, ATTRIBUTES[attribute], path);
    return found === undefined ? fallback : parseWithSchema(schema(), found.value, joinPath(path, found.key));
  };
  const readWith = <T>(attribute: keyof typeof ATTRIBUTES, parse: (value: unknown) => T, fallback: T): T => {
    const found = readAliased(entries, ATTRIBUTES[attribute], path);
    return found === undefined ? fallback : parseAt(parse, found.value, joinPath(path, found.key));
  };

  return {
    container: readWith('container', parseContainer, ANY_CONTAINER_LIST),
    cpu: read('cpu', cpuSchema, 1),
    memory: readWith('memory', parseSize, DEFAULT_MEMORY),
    gpu: read('gpu', flagSchema, false),
    fpga: read('fpga', flagSchema, false),
    disks: readWith('disks', parseDisks, DEFAULT_DISKS),
    maxRetries: read('maxRetries', retriesSchema, 0),
    returnCodes: read('returnCodes', returnCodesSchema, [0]),
  };
}

/** Whether an exit code counts as success under `return_codes`. */
export function isSuccessCode(exitCode: number, returnCodes: Requirements['returnCodes']): boolean {
  return returnCodes === '*' || returnCodes.includes(exitCode);
}
