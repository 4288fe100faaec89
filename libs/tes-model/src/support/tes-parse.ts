import { CapstanError, type ErrorCode, joinPath } from '@capstan/core-constraints';
import { z } from 'zod';
import { showValue } from './show-value';

/**
 * What the per-parse error map answers, so that an issue without a message of its own is recognised and described
 * here, where its full path is known.
 */
const NO_MESSAGE = '\u0000tes-model: no message';

const TYPE_WORDS: Readonly<Record<string, string>> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a JSON object',
  record: 'a JSON object',
};

/**
 * Parses `value` with a TES schema and turns the first issue into a CapstanError with `code`, whose path is the dotted
 * path of the field (`executors.0.image`, below `root` when given) and whose message reads `<path> <what is wrong>;
 * <the fix>`. Custom issues carry their own wording (starting with the verb: `is "data/x", a relative path; ...`);
 * type issues are described here.
 */
export function parseTes<T>(schema: z.ZodType<T>, value: unknown, code: ErrorCode, root: string | null = null): T {
  const result = fastPathOf(schema).safeParse(value, { reportInput: true, error: () => NO_MESSAGE });
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = joinPath(root, ...(issue?.path.map(String) ?? []));
  const subject = path ?? 'the value';
  const predicate = issue === undefined ? 'is invalid' : issue.message === NO_MESSAGE ? describeIssue(issue) : issue.message;
  throw new CapstanError(code, `${subject} ${predicate}`, { path, details: { value: issue === undefined ? value : issue.input } });
}

/** Parses of a schema after which it gets zod's compiled fast path: a schema parsed once or twice is not worth it. */
export const COMPILE_AFTER_PARSES = 16;

const fastPaths = new WeakMap<z.ZodType, { parses: number; schema: z.ZodType }>();

/**
 * The schema to parse with: after {@link COMPILE_AFTER_PARSES} parses, zod's own compiled form of it (`z.compile`: a
 * generated parser for input that passes, which hands anything else to the schema itself, so refusals and their
 * messages are the schema's). compiled-create-schema.spec.ts holds the two to the same answers on generated bodies.
 */
function fastPathOf<T>(schema: z.ZodType<T>): z.ZodType<T> {
  let entry = fastPaths.get(schema);
  if (entry === undefined) {
    entry = { parses: 0, schema };
    fastPaths.set(schema, entry);
  }
  entry.parses += 1;
  if (entry.parses === COMPILE_AFTER_PARSES) entry.schema = z.compile(schema);
  return entry.schema as z.ZodType<T>;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const shown = showValue(issue.input);
  switch (issue.code) {
    case 'invalid_type': {
      const expected = TYPE_WORDS[issue.expected] ?? issue.expected;
      if (issue.input === undefined) return `is missing; it is required (${expected})`;
      return `is ${shown}, not ${expected}${typeFix(issue.expected, issue.input)}`;
    }
    case 'too_big':
      return `is ${shown}, above the maximum of ${String(issue.maximum)}`;
    case 'too_small':
      return `is ${shown}, below the minimum of ${String(issue.minimum)}`;
    case 'invalid_value':
      return `is ${shown}, not one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    default:
      return `is ${shown}, which is invalid (${issue.message})`;
  }
}

/** The likely fix for a value of the wrong JSON type: quotes added or removed. */
function typeFix(expected: string, input: unknown): string {
  if (expected === 'string' && (typeof input === 'number' || typeof input === 'boolean')) {
    return `; write it as a string: "${String(input)}"`;
  }
  if ((expected === 'number' || expected === 'int') && typeof input === 'string' && input.trim() !== '' && Number.isFinite(Number(input))) {
    return `; write it as a number, without quotes: ${input.trim()}`;
  }
  if (expected === 'boolean' && (input === 'true' || input === 'false')) return `; write it without quotes: ${input}`;
  return '';
}

/** Adds a custom issue whose message is a predicate on the field (`is ...; fix`), at `path` below the current value. */
export function addIssue(context: z.RefinementCtx, path: ReadonlyArray<string | number>, message: string, input: unknown): void {
  context.addIssue({ code: 'custom', message, path: [...path], input });
}
