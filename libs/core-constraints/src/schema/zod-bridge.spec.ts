import { z } from 'zod';
import { CapstanError, ErrorCode } from '../errors/capstan-error';
import { capstanParser, joinPath, parseWithSchema } from './zod-bridge';

function capstanErrorOf(run: () => unknown): CapstanError {
  try {
    run();
  } catch (error) {
    if (error instanceof CapstanError) return error;
    throw error;
  }
  throw new Error('expected a CapstanError, but nothing was thrown');
}

describe('joinPath', () => {
  it.each<[ReadonlyArray<string | number | null | undefined>, string | null]>([
    [[], null],
    [[null], null],
    [[undefined, ''], null],
    [['requirements'], 'requirements'],
    [['requirements', 'disks', 1], 'requirements.disks.1'],
    [[null, 'memory'], 'memory'],
    [['inputs', 0, 'path'], 'inputs.0.path'],
    [['a', '', null, undefined, 'b'], 'a.b'],
    [[0], '0'],
  ])('%j -> %j', (parts, expected) => {
    expect(joinPath(...parts)).toBe(expected);
  });
});

describe('parseWithSchema', () => {
  it('returns the parsed value', () => {
    expect(parseWithSchema(z.number().int(), 3, 'cpu')).toBe(3);
    expect(parseWithSchema(z.string().transform((s) => s.length), 'abc', null)).toBe(3);
  });

  it.each<[string, z.ZodType<unknown>, unknown, string | null, string | null, RegExp]>([
    ['a wrong type', z.number(), 'two', 'requirements.cpu', 'requirements.cpu', /^"two" is not a number$/],
    ['a missing value', z.string(), undefined, 'name', 'name', /^a value is required here \(a string\)$/],
    ['a value too small', z.number().positive(), 0, 'cpu', 'cpu', /^0 is below the minimum of 0$/],
    ['a string too short', z.string().min(1), '', 'name', 'name', /^"" is below the minimum of 1 characters$/],
    ['a value too big', z.string().max(2), 'abc', 'name', 'name', /^"abc" is above the maximum of 2$/],
    ['a value not in an enum', z.enum(['file', 'directory']), 'link', 'type', 'type', /^"link" is not one of "file", "directory"$/],
    ['a bad format', z.email(), 'someone', 'x', 'x', /^"someone" is not a valid email$/],
    ['a nested value', z.object({ a: z.array(z.number()) }), { a: [1, 'x'] }, 'root', 'root.a.1', /^"x" is not a number$/],
    ['an unknown key', z.strictObject({ a: z.number() }), { a: 1, zzz: 2 }, 'inputs.0', 'inputs.0', /^unknown key "zzz" \(known keys: a\)$/],
    ['a misspelt key', z.strictObject({ pullPolicy: z.string().optional() }), { pulPolicy: 'x' }, 'docker', 'docker', /^unknown key "pulPolicy"; did you mean "pullPolicy"\?$/],
    [
      'a misspelt key in a nested section behind a default',
      z.strictObject({ auth: z.strictObject({ tokenFile: z.string().optional() }).default({}) }),
      { auth: { tokenFil: 'x' } },
      'api',
      'api.auth',
      /^unknown key "tokenFil"; did you mean "tokenFile"\?$/,
    ],
    ['a hostile unknown key, quoted', z.strictObject({}), { 'a\u001b[2J': 1 }, null, null, /^unknown key "a\\u001b\[2J"$/],
    ['a bad record key', z.record(z.string().regex(/^[A-Z]+$/, 'upper-case letters only'), z.string()), { ab: 'x' }, 'env', 'env.ab', /^"ab" is not a valid key: upper-case letters only$/],
    ['a failed refinement', z.string().refine((s) => s !== 'x', 'must not be x'), 'x', 'c', 'c', /must not be x/],
    ['a failure with no root', z.number(), null, null, null, /^null is not a number$/],
  ])('turns %s into value.invalid at its path', (_label, schema, value, root, path, message) => {
    const error = capstanErrorOf(() => parseWithSchema(schema, value, root));
    expect(error.code).toBe('value.invalid');
    expect(error.path).toBe(path);
    expect(error.message).toMatch(message);
  });

  it('answers a hostile document with many long unknown keys quickly, showing a few of them shortened', () => {
    const document = Object.fromEntries(Array.from({ length: 2000 }, (_, index) => [`${index}-${'k'.repeat(500)}`, 1]));
    document['x'.repeat(1_000_000)] = 1;
    const started = Date.now();
    const error = capstanErrorOf(() => parseWithSchema(z.strictObject({ name: z.string().optional() }), document, null));
    expect(Date.now() - started).toBeLessThan(1000);
    expect(error.message).toMatch(/^unknown keys "0-k{62}\.\.\.", .* and 1996 more \(known keys: name\)$/);
    expect(error.message.length).toBeLessThan(600);
    const alone = capstanErrorOf(() => parseWithSchema(z.strictObject({ name: z.string().optional() }), { ['x'.repeat(1_000_000)]: 1 }, null));
    expect(alone.message.length).toBeLessThan(200);
  });

  it('keeps the input of a failing value in details', () => {
    expect(capstanErrorOf(() => parseWithSchema(z.boolean(), 'yes', 'gpu')).details).toEqual({ value: 'yes' });
  });
});

describe('capstanParser', () => {
  const failing = capstanParser((value) => {
    if (value === 'ok') return 1;
    throw new CapstanError(ErrorCode.InvalidDisk, `bad ${String(value)}`, { path: value === 'deep' ? '2' : null });
  });

  it('returns what the parser returns', () => {
    expect(parseWithSchema(failing, 'ok', 'disks')).toBe(1);
  });

  it('keeps the code and message of a CapstanError, with its path below the field', () => {
    const error = capstanErrorOf(() => parseWithSchema(failing, 'deep', 'requirements.disks'));
    expect(error.code).toBe('disk.invalid');
    expect(error.message).toBe('bad deep');
    expect(error.path).toBe('requirements.disks.2');
  });

  it('uses the field path when the CapstanError has none', () => {
    const error = capstanErrorOf(() => parseWithSchema(z.object({ disks: failing }), { disks: 'x' }, 'requirements'));
    expect(error.code).toBe('disk.invalid');
    expect(error.path).toBe('requirements.disks');
  });

  it('lets other errors through', () => {
    const broken = capstanParser(() => {
      throw new TypeError('a bug');
    });
    expect(() => parseWithSchema(broken, 1, null)).toThrow(TypeError);
  });
});

describe('parseWithSchema never shows a credential', () => {
  const section = z
    .strictObject({ accessKeyId: z.string().optional(), secretAccessKey: z.string().min(1).optional(), region: z.string().optional() })
    .refine((options) => (options.accessKeyId === undefined) === (options.secretAccessKey === undefined), {
      message: 'give accessKeyId and secretAccessKey together, or neither',
      path: ['secretAccessKey'],
    });

  it('hostile: a section refused as a whole names the field but carries no secret in its message or details', () => {
    const error = capstanErrorOf(() => parseWithSchema(section, { secretAccessKey: 'wJalrXUtnFEMI-very-secret', region: 'eu' }, 'api.transfer.s3'));
    expect(error.path).toBe('api.transfer.s3.secretAccessKey');
    expect(error.message).toContain('give accessKeyId and secretAccessKey together');
    expect(JSON.stringify({ message: error.message, details: error.details })).not.toContain('very-secret');
  });

  it.each([
    ['a credential of the wrong type', { secretAccessKey: 1234567890123, accessKeyId: 'AKIA' }, 'secretAccessKey'],
    ['a nested password', { users: [{ name: 'ann', password: 987654321 }] }, 'users.0.password'],
    ['a connection string of the wrong type', { connection_string: ['DefaultEndpointsProtocol=https;AccountKey=abc987'] }, 'connection_string'],
  ])('hostile: %s is named, never shown', (_name, value, field) => {
    const schema = z.looseObject({
      secretAccessKey: z.string().optional(),
      accessKeyId: z.string().optional(),
      users: z.array(z.object({ name: z.string(), password: z.string() })).optional(),
      connection_string: z.string().optional(),
    });
    const error = capstanErrorOf(() => parseWithSchema(schema, value, null));
    expect(error.path).toBe(field);
    const shown = JSON.stringify({ message: error.message, details: error.details });
    expect(shown).not.toMatch(/1234567890123|987654321|abc987/);
    expect(shown).toContain('hidden');
  });

  it('still shows ordinary values, and says a missing credential is missing', () => {
    const region = capstanErrorOf(() => parseWithSchema(z.strictObject({ region: z.string() }), { region: 42 }, null));
    expect(region.message).toBe('42 is not a string');
    const missing = capstanErrorOf(() => parseWithSchema(z.strictObject({ secretAccessKey: z.string() }), {}, null));
    expect(missing.message).toBe('a value is required here (a string)');
  });

  it('shows a section with its credentials hidden, leaving the value itself untouched', () => {
    const value = { token: 'abc-secret-token', port: 1 };
    const error = capstanErrorOf(() => parseWithSchema(z.strictObject({ token: z.string(), port: z.number() }).refine(() => false, 'never'), value, null));
    expect(error.details['value']).toEqual({ token: '(hidden: a credential)', port: 1 });
    expect(value.token).toBe('abc-secret-token');
  });
});
