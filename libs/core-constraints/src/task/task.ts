import { posix } from 'node:path';
import { z } from 'zod';
import { CapstanError, ErrorCode } from '../errors/capstan-error';
import { normaliseGuestPath } from '../paths/guest-path';
import { assertKnownKeys } from '../schema/keys';
import { lazySchema } from '../schema/lazy-schema';
import { joinPath, parseWithSchema } from '../schema/zod-bridge';
import { describeValue } from '../units/size';
import { type Hints, parseHints } from './hints';
import { parseRequirements, type Requirements } from './requirements';
import { parseTaskOutputs, type TaskOutput } from './task-outputs';

/** Where inputs go in the container when the task does not say. */
export const DEFAULT_INPUT_ROOT = '/mnt/task/inputs';
/** The guest paths every backend uses. */
export const GUEST_WORK_DIR = '/mnt/task/work';
export const GUEST_COMMAND_FILE = '/mnt/task/command';

export type InputType = 'file' | 'directory';

export interface TaskInput {
  /** A host path (absolute after loading) or a URL. */
  readonly source: string;
  /** Absolute guest path. */
  readonly path: string;
  readonly type: InputType;
  /** Bound read-write (a shared working folder) instead of read-only. Default false. */
  readonly writable?: boolean;
}

/** A validated task: the task file's contents with every default filled in. */
export interface Task {
  readonly name: string;
  readonly command: string;
  readonly requirements: Requirements;
  readonly hints: Hints;
  readonly inputs: readonly TaskInput[];
  /** Declared outputs: globs relative to the work dir, named, required unless optional. */
  readonly outputs: readonly TaskOutput[];
  readonly env: Readonly<Record<string, string>>;
}

export const TASK_KEYS = ['name', 'command', 'requirements', 'hints', 'inputs', 'outputs', 'env'] as const;

// Built at the first task parsed (lazySchema), not when the module is imported.
const nameSchema = lazySchema(() => z.string().trim().min(1).max(255));
const commandSchema = lazySchema(() => z.string().refine((text) => text.trim() !== '', 'the command is empty'));
const envOrEmptySchema = lazySchema(() =>
  z
    .record(
      z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name is letters, digits and _, not starting with a digit'),
      z.union([z.string(), z.number().transform(String), z.boolean().transform(String)], {
        error: (issue) => `${describeValue(issue.input)} is not an environment value; give a string, number or boolean`,
      }),
    )
    .default({}),
);
const inputsSchema = lazySchema(() =>
  z
    .array(
      z.strictObject({
        source: z.string().trim().min(1),
        path: z.string().trim().min(1).optional(),
        type: z.enum(['file', 'directory']).default('file'),
        writable: z.boolean().optional(),
      }),
    )
    .default([]),
);

/** Validates a task document (already read from YAML or JSON). Throws only CapstanError, naming the path of the first problem. */
export function parseTask(document: unknown): Task {
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    throw new CapstanError(ErrorCode.InvalidValue, 'a task file holds a mapping with at least "name" and "command"', { path: null });
  }
  const raw = document as Record<string, unknown>;
  assertKnownKeys(raw, TASK_KEYS, null, 'put custom attributes under hints');
  const inputs = parseWithSchema(inputsSchema(), raw['inputs'], 'inputs');
  return {
    name: parseWithSchema(nameSchema(), raw['name'], 'name'),
    command: parseWithSchema(commandSchema(), raw['command'], 'command'),
    requirements: parseRequirements(raw['requirements'], 'requirements'),
    hints: parseHints(raw['hints'], 'hints'),
    inputs: resolveGuestPaths(inputs),
    outputs: parseTaskOutputs(raw['outputs']),
    env: parseWithSchema(envOrEmptySchema(), raw['env'], 'env'),
  };
}

function resolveGuestPaths(inputs: ReadonlyArray<{ source: string; path?: string | undefined; type: InputType; writable?: boolean | undefined }>): TaskInput[] {
  const seen = new Map<string, number>();
  return inputs.map((input, index) => {
    const path = joinPath('inputs', index, 'path');
    const guest = input.path === undefined ? posix.join(DEFAULT_INPUT_ROOT, baseName(input.source)) : input.path;
    if (!guest.startsWith('/')) {
      throw new CapstanError(ErrorCode.InvalidValue, `guest path "${guest}" is relative; give an absolute path such as "${posix.join(DEFAULT_INPUT_ROOT, guest)}"`, { path });
    }
    // Without trailing slashes, so that "/in/x/" and "/in/x" are one guest path (the root "/" stays "/").
    const normalised = normaliseGuestPath(guest);
    if (normalised === GUEST_WORK_DIR || normalised.startsWith(`${GUEST_WORK_DIR}/`) || normalised === GUEST_COMMAND_FILE) {
      throw new CapstanError(ErrorCode.InvalidValue, `guest path "${guest}" is inside Capstan's own ${normalised === GUEST_COMMAND_FILE ? 'command file' : `work dir ${GUEST_WORK_DIR}`}; place inputs elsewhere, e.g. under ${DEFAULT_INPUT_ROOT}`, { path });
    }
    const earlier = seen.get(normalised);
    if (earlier !== undefined) {
      throw new CapstanError(ErrorCode.InvalidValue, `guest path "${normalised}" is already used by inputs.${earlier}; give this input its own "path"`, { path });
    }
    seen.set(normalised, index);
    return { source: input.source, path: normalised, type: input.type, ...(input.writable === true ? { writable: true } : {}) };
  });
}

function baseName(source: string): string {
  const withoutQuery = source.replace(/[?#].*$/, '').replace(/\/+$/, '');
  const name = withoutQuery.slice(withoutQuery.lastIndexOf('/') + 1);
  return name === '' || name === '.' || name === '..' ? 'input' : name;
}
