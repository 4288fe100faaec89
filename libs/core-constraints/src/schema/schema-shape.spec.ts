import { z } from 'zod';
import { capstanParser } from './zod-bridge';
import { objectKeysAt, schemaSettings } from './schema-shape';

const schema = z
  .strictObject({
    backend: z.string().default('auto'),
    limits: z.strictObject({ cpu: z.enum(['deny', 'try_with_max']).default('deny') }).default({ cpu: 'deny' }),
    registries: z.record(z.string(), z.strictObject({ username: z.string() })).default({}),
    auth: capstanParser((value) => value).optional(),
    timeout: z.preprocess((value) => value, z.number()).optional(),
    nested: z.strictObject({ deeper: z.strictObject({ leaf: z.boolean().default(false) }).prefault({}) }).optional(),
  })
  .superRefine(() => undefined);

describe('schemaSettings', () => {
  it('lists the leaves of nested mappings, past defaults, optionals, refinements and preprocessing', () => {
    expect(schemaSettings(schema)).toEqual([
      { path: ['backend'], open: false },
      { path: ['limits', 'cpu'], open: false },
      { path: ['registries'], open: true },
      { path: ['auth'], open: true },
      { path: ['timeout'], open: false },
      { path: ['nested', 'deeper', 'leaf'], open: false },
    ]);
  });
});

describe('objectKeysAt', () => {
  it.each<[readonly PropertyKey[], string[] | undefined]>([
    [[], ['backend', 'limits', 'registries', 'auth', 'timeout', 'nested']],
    [['limits'], ['cpu']],
    [['registries', 'registry.example.org'], ['username']],
    [['nested', 'deeper'], ['leaf']],
    [['backend'], undefined],
    [['missing'], undefined],
    [['auth', 'x'], undefined],
  ])('at %j -> %j', (path, keys) => {
    expect(objectKeysAt(schema, path)).toEqual(keys);
  });
});
