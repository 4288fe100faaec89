import { ErrorCode } from '@capstan/core-constraints';
import { z } from 'zod';
import { captureCapstanError } from '../testing/capture-capstan-error';
import { addIssue, parseTes } from './tes-parse';

describe('parseTes', () => {
  const schema = z.object({
    count: z.int32().optional(),
    flag: z.boolean().optional(),
    text: z.string().optional(),
    kind: z.enum(['A', 'B']).optional(),
    list: z.array(z.string()).optional(),
    small: z.number().max(3).min(1).optional(),
    checked: z
      .string()
      .superRefine((value, context) => {
        if (value !== 'ok') addIssue(context, [], `is ${JSON.stringify(value)}; write "ok"`, value);
      })
      .optional(),
    required: z.string().optional(),
  });

  it('returns the parsed value', () => {
    expect(parseTes(schema, { count: 1 }, ErrorCode.TesInvalidQuery)).toEqual({ count: 1 });
  });

  it.each<[unknown, string, string]>([
    [{ count: 'x' }, 'count', 'count is "x", not a number'],
    [{ count: '12' }, 'count', 'count is "12", not a number; write it as a number, without quotes: 12'],
    [{ count: 1.5 }, 'count', 'count is 1.5, not a whole number'],
    [{ count: 2 ** 40 }, 'count', 'count is 1099511627776, above the maximum of 2147483647'],
    [{ flag: 'false' }, 'flag', 'flag is "false", not true or false; write it without quotes: false'],
    [{ text: true }, 'text', 'text is true, not a string; write it as a string: "true"'],
    [{ kind: 'C' }, 'kind', 'kind is "C", not one of "A", "B"'],
    [{ list: 'a' }, 'list', 'list is "a", not a list'],
    [{ list: ['a', 2] }, 'list.1', 'list.1 is 2, not a string; write it as a string: "2"'],
    [{ small: 5 }, 'small', 'small is 5, above the maximum of 3'],
    [{ small: 0 }, 'small', 'small is 0, below the minimum of 1'],
    [{ checked: 'no' }, 'checked', 'checked is "no"; write "ok"'],
    [[], 'root', 'root is [], not a JSON object'],
  ])('describes %j at %s', (value, path, message) => {
    const error = captureCapstanError(() => parseTes(schema, value, ErrorCode.TesInvalidQuery, path === 'root' ? 'root' : null));
    expect(error.code).toBe(ErrorCode.TesInvalidQuery);
    expect(error.path).toBe(path);
    expect(error.message).toBe(message);
  });

  it('places paths under a root and names a missing value', () => {
    const error = captureCapstanError(() => parseTes(z.object({ id: z.string() }), {}, ErrorCode.TesInvalidTask, 'body'));
    expect(error.path).toBe('body.id');
    expect(error.message).toBe('body.id is missing; it is required (a string)');
  });

  it('speaks of "the value" when there is no path', () => {
    expect(captureCapstanError(() => parseTes(z.string(), 1, ErrorCode.TesInvalidTask)).message).toBe('the value is 1, not a string; write it as a string: "1"');
  });
});
