import { ErrorCode } from '@capstan/core-constraints';
import fc from 'fast-check';
import { z } from 'zod';
import { COMPILE_AFTER_PARSES, parseTes } from '../support/tes-parse';
import { captureCapstanError } from '../testing/capture-capstan-error';
import { createTaskSchema } from './create-task-schema';

// parseTes switches a schema it parses often to zod's compiled form (z.compile). These hold the compiled create schema
// to the schema's own answers: the same output, key for key and in the same order, and the same refusals.

const PARAMS = { reportInput: true, error: () => 'no message' } as const;
const compiled = z.compile(createTaskSchema);

/** What a parse answers, as text: the output in its key order, or every issue with its path and input. */
function answer(schema: z.ZodType, body: unknown): string {
  const result = schema.safeParse(body, PARAMS);
  return result.success ? `ok ${JSON.stringify(result.data)}` : `refused ${JSON.stringify(result.error.issues.map((issue) => [issue.code, issue.path, issue.message, issue.input]))}`;
}

/**
 * A body whose fields are good ones most of the time (`odds` to one), else null, a value of another type, or
 * anything at all; half of the bodies are all but certainly valid, half refused somewhere.
 */
function bodies(odds: number): fc.Arbitrary<unknown> {
  const field = <T>(good: fc.Arbitrary<T>, bad: fc.Arbitrary<unknown> = fc.constant(undefined)): fc.Arbitrary<unknown> =>
    fc.oneof(
      { arbitrary: good, weight: odds },
      { arbitrary: fc.constant(null), weight: 1 },
      { arbitrary: fc.oneof(fc.string({ maxLength: 3 }), fc.integer(), fc.boolean(), fc.constant([])), weight: 1 },
      { arbitrary: bad, weight: 1 },
    );
  const path = fc.oneof(
    { arbitrary: fc.constantFrom('/data/in/a', '/data/out', '/data/in/b.txt'), weight: odds },
    { arbitrary: fc.constantFrom('relative/x', '/data/*.txt', '/data/../x', '', ' /x', '/x '), weight: 1 },
    { arbitrary: fc.string({ maxLength: 6 }).map((tail) => `/data/${tail}`), weight: 1 },
  );
  const url = fc.oneof({ arbitrary: fc.constantFrom('https://data.example.org/x', 's3://bucket/key'), weight: odds }, { arbitrary: fc.constantFrom('', 'file:///tmp/x', 'not a url'), weight: 1 });
  const strings = fc.dictionary(fc.string({ minLength: 1, maxLength: 4 }), field(fc.string({ maxLength: 4 })), { maxKeys: 3 });
  const input = fc.record({ url: field(url), path: field(path), type: field(fc.constantFrom('FILE', 'DIRECTORY'), fc.constant('OTHER')), name: field(fc.string({ maxLength: 4 })) }, { requiredKeys: ['url', 'path'] });
  const output = fc.record({ url: field(url), path: field(path), path_prefix: field(fc.constantFrom('/data/', '/other/', '')), type: field(fc.constantFrom('FILE', 'DIRECTORY')) }, { requiredKeys: ['url', 'path'] });
  const executor = fc.record(
    {
      image: field(fc.constantFrom('busybox', 'ubuntu:22.04'), fc.constantFrom('', 'bad image', ' busybox')),
      command: field(fc.array(fc.string({ minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 3 }), fc.constantFrom([], [''], [null], ['a', 1])),
      workdir: field(path),
      stdin: field(path),
      stdout: field(path),
      stderr: field(path),
      env: field(strings),
      ignore_error: field(fc.boolean()),
    },
    { requiredKeys: ['image', 'command'] },
  );
  const resources = fc.record(
    {
      cpu_cores: field(fc.integer({ min: 1, max: 64 }), fc.constantFrom(0, -2, 1.5, 2 ** 31)),
      ram_gb: field(fc.double({ min: 0.001, max: 1e6, noNaN: true }), fc.constantFrom(0, -1, -0)),
      disk_gb: field(fc.double({ min: 0, max: 1e4, noNaN: true })),
      preemptible: field(fc.boolean()),
      zones: field(fc.oneof(fc.string({ maxLength: 4 }), fc.array(fc.string({ maxLength: 4 }), { maxLength: 2 }))),
      backend_parameters: field(strings),
      backend_parameters_strict: field(fc.boolean()),
    },
    { requiredKeys: [] },
  );
  return fc.record(
    {
      name: field(fc.string({ maxLength: 6 })),
      description: field(fc.string({ maxLength: 6 })),
      inputs: field(fc.array(input, { maxLength: 3 })),
      outputs: field(fc.array(output, { maxLength: 2 })),
      resources: field(resources),
      executors: field(fc.array(executor, { minLength: 1, maxLength: 2 })),
      volumes: field(fc.array(path, { maxLength: 2 })),
      tags: field(strings),
      id: fc.string({ maxLength: 4 }),
      unknown_field: fc.anything({ maxDepth: 1 }),
    },
    { requiredKeys: ['executors'] },
  );
}

const body = fc.oneof(bodies(60), bodies(4));

describe("the create schema's compiled form", () => {
  it('gives the schema’s own answer on generated bodies, valid and not', () => {
    let accepted = 0;
    let refused = 0;
    fc.assert(
      fc.property(body, (raw) => {
        const expected = answer(createTaskSchema, raw);
        expect(answer(compiled, raw)).toBe(expected);
        if (expected.startsWith('ok')) accepted += 1;
        else refused += 1;
      }),
      { numRuns: 3000 },
    );
    // Both kinds of answer were compared.
    expect(accepted).toBeGreaterThan(100);
    expect(refused).toBeGreaterThan(100);
  });

  it('leaves the input as it was and answers with fresh objects', () => {
    const raw = { tags: { a: 'b' }, executors: [{ image: 'busybox', command: ['true'], env: { A: '1' } }], resources: { zones: 'z1' } };
    const before = JSON.stringify(raw);
    const result = compiled.safeParse(raw, PARAMS);
    expect(JSON.stringify(raw)).toBe(before);
    if (!result.success) throw result.error;
    expect(result.data.tags).not.toBe(raw.tags);
    expect(result.data.executors[0]).not.toBe(raw.executors[0]);
    expect(result.data.resources?.zones).toEqual(['z1']);
  });

  it('is what parseTes uses once a schema is parsed often, with the same answers and messages as before', () => {
    const schema = createTaskSchema.extend({});
    const good = { name: 'n', executors: [{ image: 'busybox', command: ['true'] }], tags: { k: null } };
    const bad = { executors: [{ image: 'busybox', command: ['true'], workdir: 'relative' }] };
    const firstGood = JSON.stringify(captureOrValue(() => parseTes(schema, good, ErrorCode.TesInvalidTask)));
    const firstBad = captureCapstanError(() => parseTes(schema, bad, ErrorCode.TesInvalidTask));
    for (let parse = 0; parse < COMPILE_AFTER_PARSES * 3; parse += 1) {
      expect(JSON.stringify(captureOrValue(() => parseTes(schema, good, ErrorCode.TesInvalidTask)))).toBe(firstGood);
      const again = captureCapstanError(() => parseTes(schema, bad, ErrorCode.TesInvalidTask));
      expect([again.message, again.path]).toEqual([firstBad.message, firstBad.path]);
    }
    expect(firstBad.message).toMatch(/^executors\.0\.workdir /);
  });
});

function captureOrValue(parse: () => unknown): unknown {
  try {
    return parse();
  } catch (error) {
    return { error: String(error) };
  }
}
