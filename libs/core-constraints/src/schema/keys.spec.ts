import fc from 'fast-check';
import { CapstanError } from '../errors/capstan-error';
import { REQUIREMENT_KEYS } from '../task/requirements';
import { TASK_KEYS } from '../task/task';
import { assertKnownKeys, editDistance, readAliased, suggestKey } from './keys';

function capstanErrorOf(run: () => unknown): CapstanError {
  try {
    run();
  } catch (error) {
    if (error instanceof CapstanError) return error;
    throw error;
  }
  throw new Error('expected a CapstanError, but nothing was thrown');
}

describe('editDistance', () => {
  it.each<[string, string, number]>([
    ['', '', 0],
    ['a', '', 1],
    ['', 'abc', 3],
    ['abc', 'abc', 0],
    ['abc', 'abd', 1],
    ['abc', 'ab', 1],
    ['ab', 'abc', 1],
    ['abc', 'acb', 2],
    ['kitten', 'sitting', 3],
    ['flaw', 'lawn', 2],
    ['intention', 'execution', 5],
    ['memroy', 'memory', 2],
    ['comand', 'command', 1],
    ['Memory', 'memory', 1],
  ])('%j -> %j is %d', (a, b, expected) => {
    expect(editDistance(a, b)).toBe(expected);
  });

  it('is a metric bounded by the lengths', () => {
    const word = fc.string({ maxLength: 12 });
    fc.assert(
      fc.property(word, word, word, (a, b, c) => {
        const d = editDistance(a, b);
        expect(editDistance(b, a)).toBe(d);
        expect(d === 0).toBe(a === b);
        expect(d).toBeGreaterThanOrEqual(Math.abs(a.length - b.length));
        expect(d).toBeLessThanOrEqual(Math.max(a.length, b.length));
        expect(editDistance(a, c)).toBeLessThanOrEqual(d + editDistance(b, c));
      }),
    );
  });
});

describe('suggestKey', () => {
  it.each<[string, readonly string[], string | undefined]>([
    ['memroy', REQUIREMENT_KEYS, 'memory'],
    ['memmory', REQUIREMENT_KEYS, 'memory'],
    ['maxretries', REQUIREMENT_KEYS, 'max_retries'],
    ['MaxRetries', REQUIREMENT_KEYS, 'max_retries'],
    ['max-retries', REQUIREMENT_KEYS, 'max_retries'],
    ['return-codes', REQUIREMENT_KEYS, 'return_codes'],
    ['returncode', REQUIREMENT_KEYS, 'return_codes'],
    ['cpus', REQUIREMENT_KEYS, 'cpu'],
    ['CPU', REQUIREMENT_KEYS, 'cpu'],
    ['dockr', REQUIREMENT_KEYS, 'docker'],
    ['containers', REQUIREMENT_KEYS, 'container'],
    ['disk', REQUIREMENT_KEYS, 'disks'],
    // The threshold: distance 2 always suggests; longer keys allow a third of their length.
    ['dsk', REQUIREMENT_KEYS, 'disks'],
    ['mem', REQUIREMENT_KEYS, undefined],
    ['xyz', REQUIREMENT_KEYS, undefined],
    ['rtrn_cods', REQUIREMENT_KEYS, 'return_codes'],
    ['return_codes_list', REQUIREMENT_KEYS, 'return_codes'],
    ['rtrncds', REQUIREMENT_KEYS, undefined],
    ['comand', TASK_KEYS, 'command'],
    ['input', TASK_KEYS, 'inputs'],
    ['hint', TASK_KEYS, 'hints'],
    ['environment', TASK_KEYS, undefined],
    ['banana', REQUIREMENT_KEYS, undefined],
    ['zone', REQUIREMENT_KEYS, undefined],
    ['preemptible', REQUIREMENT_KEYS, undefined],
    ['anything', [], undefined],
  ])('%j among known keys -> %j', (key, known, expected) => {
    expect(suggestKey(key, known)).toBe(expected);
  });

  it('skips the edit-distance work for a hostile 1 MB key', () => {
    const started = Date.now();
    expect(suggestKey('m'.repeat(1_000_000), [...REQUIREMENT_KEYS, ...TASK_KEYS])).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(500);
  });

  it('only ever suggests a known key', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 20 }), (key) => {
        const suggestion = suggestKey(key, REQUIREMENT_KEYS);
        if (suggestion !== undefined) expect(REQUIREMENT_KEYS).toContain(suggestion);
      }),
    );
  });
});

describe('assertKnownKeys', () => {
  const known = ['cpu', 'memory'];

  it('accepts known keys and an empty mapping', () => {
    expect(() => assertKnownKeys({ cpu: 1, memory: '1 GiB' }, known, 'requirements', 'fix')).not.toThrow();
    expect(() => assertKnownKeys({}, known, 'requirements', 'fix')).not.toThrow();
  });

  it('rejects an unknown key with a suggestion, the path and the known keys', () => {
    const error = capstanErrorOf(() => assertKnownKeys({ cpu: 1, memroy: '1 GiB' }, known, 'requirements', 'put it under hints'));
    expect(error.code).toBe('value.unknown_key');
    expect(error.path).toBe('requirements.memroy');
    expect(error.message).toBe('unknown key "memroy"; did you mean "memory"? (known keys: cpu, memory)');
    expect(error.details).toEqual({ value: 'memroy', suggestion: 'memory' });
  });

  it('gives the fix when there is no likely suggestion', () => {
    const error = capstanErrorOf(() => assertKnownKeys({ zone: 'eu' }, known, 'requirements', 'put it under hints'));
    expect(error.message).toBe('unknown key "zone"; put it under hints (known keys: cpu, memory)');
    expect(error.details).toEqual({ value: 'zone' });
  });

  it('uses the key alone as the path at the top level', () => {
    expect(capstanErrorOf(() => assertKnownKeys({ comand: 'x' }, TASK_KEYS, null, 'fix')).path).toBe('comand');
  });
});

describe('readAliased', () => {
  const names = ['container', 'docker'] as const;

  it.each<[string, Record<string, unknown>, { key: string; value: unknown } | undefined]>([
    ['neither name', { cpu: 1 }, undefined],
    ['the canonical name', { container: 'ubuntu' }, { key: 'container', value: 'ubuntu' }],
    ['an alias', { docker: 'ubuntu' }, { key: 'docker', value: 'ubuntu' }],
    ['a name with an undefined value', { docker: undefined }, { key: 'docker', value: undefined }],
    ['an inherited property only', Object.create({ docker: 'ubuntu' }) as Record<string, unknown>, undefined],
  ])('%s', (_label, value, expected) => {
    expect(readAliased(value, names, 'requirements')).toEqual(expected);
  });

  it('rejects two aliases of one attribute, at the path of the second', () => {
    const error = capstanErrorOf(() => readAliased({ container: 'a', docker: 'b' }, names, 'requirements'));
    expect(error.code).toBe('value.invalid');
    expect(error.path).toBe('requirements.docker');
    expect(error.message).toBe('"container" and "docker" are aliases of one attribute; give only one of them');
  });
});
