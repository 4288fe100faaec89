import { z } from 'zod';
import { CapstanError, ErrorCode } from '../errors/capstan-error';
import { describeValue } from '../units/size';
import { objectKeysAt } from './schema-shape';
import { suggestKey } from './suggest';
import { joinPath } from './join-path';
import { HIDDEN_VALUE, hideSecrets, isSecretKey } from './secret-values';

export { joinPath } from './join-path';

/**
 * Wraps one of Capstan's own parsers (which throw CapstanError) as a zod schema, so that schemas can use them and
 * the error keeps its code and its path below the field.
 */
export function capstanParser<T>(parse: (value: unknown) => T): z.ZodType<T> {
  return z.unknown().transform((value, context) => {
    try {
      return parse(value);
    } catch (error) {
      if (!(error instanceof CapstanError)) throw error;
      context.addIssue({ code: 'custom', message: error.message, params: { capstanCode: error.code, subPath: error.path } });
      return z.NEVER;
    }
  }) as unknown as z.ZodType<T>;
}

/**
 * Runs a parser that throws CapstanError on `value` found at `path`, its error's path put below `path`: what
 * `parseWithSchema(capstanParser(parse), value, path)` gives, without a zod parse around the call.
 */
export function parseAt<T>(parse: (value: unknown) => T, value: unknown, path: string | null): T {
  try {
    return parse(value);
  } catch (error) {
    if (!(error instanceof CapstanError)) throw error;
    throw new CapstanError(error.code, error.message, { path: joinPath(path, error.path) });
  }
}

/** Parses with a zod schema and turns the first issue into a CapstanError rooted at `path`. */
export function parseWithSchema<T>(schema: z.ZodType<T>, value: unknown, path: string | null): T {
  const result = schema.safeParse(value, { reportInput: true });
  if (result.success) return result.data;
  throw issueToError(result.error.issues[0], path, schema);
}

function issueToError(issue: z.core.$ZodIssue | undefined, root: string | null, schema: z.ZodType): CapstanError {
  if (issue === undefined) return new CapstanError(ErrorCode.InvalidValue, 'the value is invalid', { path: root });
  const params = issue.code === 'custom' ? (issue.params as { capstanCode?: ErrorCode; subPath?: string | null } | undefined) : undefined;
  const path = joinPath(root, ...issue.path.map(String), params?.subPath);
  if (params?.capstanCode !== undefined) return new CapstanError(params.capstanCode, issue.message, { path });
  if (issue.code === 'unrecognized_keys') return new CapstanError(ErrorCode.InvalidValue, describeUnknownKeys(issue, schema), { path, details: { value: issue.keys[0] } });
  // A credential's value is never shown: not in the message, not in the details (the field's name says enough).
  if (issue.path.some(isSecretKey) && issue.input !== undefined) return new CapstanError(ErrorCode.InvalidValue, describeIssue(issue, HIDDEN_VALUE), { path, details: { value: HIDDEN_VALUE } });
  return new CapstanError(ErrorCode.InvalidValue, describeIssue(issue), { path, details: { value: hideSecrets(issue.input) } });
}

const MAX_KEYS_SHOWN = 5;

/** An unknown key with "did you mean" (as in task files), or the keys that exist when none is close. */
function describeUnknownKeys(issue: z.core.$ZodIssueUnrecognizedKeys, schema: z.ZodType): string {
  const known = objectKeysAt(schema, issue.path) ?? [];
  // A few keys, each shortened: the document may be an untrusted client's, with thousands of long keys.
  const shown = issue.keys.slice(0, MAX_KEYS_SHOWN).map((k) => JSON.stringify(k.length > 64 ? `${k.slice(0, 64)}...` : k));
  const more = issue.keys.length > MAX_KEYS_SHOWN ? ` and ${issue.keys.length - MAX_KEYS_SHOWN} more` : '';
  const listed = `unknown key${issue.keys.length > 1 ? 's' : ''} ${shown.join(', ')}${more}`;
  const suggestion = issue.keys.length === 1 ? suggestKey(issue.keys[0] as string, known) : undefined;
  if (suggestion !== undefined) return `${listed}; did you mean "${suggestion}"?`;
  return known.length === 0 ? listed : `${listed} (known keys: ${known.join(', ')})`;
}

/** zod's type names in the words a task author would use. */
const TYPE_WORDS: Readonly<Record<string, string>> = {
  number: 'a number',
  int: 'a whole number',
  string: 'a string',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping',
  record: 'a mapping',
};

function describeIssue(issue: z.core.$ZodIssue, shown = describeValue(issue.input)): string {
  switch (issue.code) {
    case 'invalid_type': {
      const expected = TYPE_WORDS[issue.expected] ?? issue.expected;
      return issue.input === undefined ? `a value is required here (${expected})` : `${shown} is not ${expected}`;
    }
    case 'too_small':
      return `${shown} is below the minimum of ${String(issue.minimum)}${issue.origin === 'string' ? ' characters' : ''}`;
    case 'too_big':
      return `${shown} is above the maximum of ${String(issue.maximum)}`;
    case 'invalid_value':
      return `${shown} is not one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'invalid_format':
      return `${shown} is not a valid ${issue.format}`;
    case 'not_multiple_of':
      return `${shown} is not a multiple of ${String(issue.divisor)}`;
    case 'invalid_key':
      return `${shown} is not a valid key: ${issue.issues[0]?.message ?? issue.message}`;
    case 'invalid_union':
      // Schemas with several accepted forms carry their own message listing them.
      return issue.message.startsWith('Invalid input') ? `${shown} is not one of the accepted forms` : issue.message;
    default:
      return `${shown} is invalid: ${issue.message}`;
  }
}
