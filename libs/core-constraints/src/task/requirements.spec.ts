import fc from 'fast-check';
import { CapstanError } from '../errors/capstan-error';
import { GIB } from '../units/size';
import { DEFAULT_MEMORY, isSuccessCode, parseRequirements, REQUIREMENT_KEYS, type Requirements } from './requirements';

function capstanErrorOf(run: () => unknown): CapstanError {
  try {
    run();
  } catch (error) {
    if (error instanceof CapstanError) return error;
    throw error;
  }
  throw new Error('expected a CapstanError, but nothing was thrown');
}

const DEFAULTS: Requirements = {
  container: [{ kind: 'any', reference: '*', uri: '*' }],
  cpu: 1,
  memory: 2147483648,
  gpu: false,
  fpga: false,
  disks: [{ mountPoint: '/', bytes: GIB }],
  maxRetries: 0,
  returnCodes: [0],
};

describe('parseRequirements', () => {
  describe('defaults', () => {
    it.each<[string, unknown]>([
      ['undefined', undefined],
      ['null', null],
      ['an empty mapping', {}],
    ])('fills every WDL 1.2 default for %s', (_label, value) => {
      expect(parseRequirements(value)).toEqual(DEFAULTS);
    });

    it('defaults memory to 2 GiB', () => {
      expect(DEFAULT_MEMORY).toBe(2147483648);
    });

    it('lists every key and alias', () => {
      expect([...REQUIREMENT_KEYS].sort()).toEqual(
        ['container', 'docker', 'cpu', 'memory', 'gpu', 'fpga', 'disks', 'max_retries', 'maxRetries', 'return_codes', 'returnCodes'].sort(),
      );
    });
  });

  describe('valid values', () => {
    it.each<[string, Record<string, unknown>, Partial<Requirements>]>([
      ['container as a string', { container: 'ubuntu:22.04' }, { container: [{ kind: 'docker', reference: 'ubuntu:22.04', uri: 'ubuntu:22.04' }] }],
      ['docker as an alias', { docker: 'ubuntu:22.04' }, { container: [{ kind: 'docker', reference: 'ubuntu:22.04', uri: 'ubuntu:22.04' }] }],
      [
        'container as a list',
        { container: ['img.sif', 'docker://ubuntu'] },
        {
          container: [
            { kind: 'sif', reference: 'img.sif', uri: 'img.sif' },
            { kind: 'docker', reference: 'ubuntu', uri: 'docker://ubuntu' },
          ],
        },
      ],
      ['cpu as an Int', { cpu: 4 }, { cpu: 4 }],
      ['cpu as a Float', { cpu: 0.5 }, { cpu: 0.5 }],
      ['memory as an Int', { memory: 1000 }, { memory: 1000 }],
      ['memory as a String', { memory: '6.2 GB' }, { memory: 6_200_000_000 }],
      ['memory in GiB', { memory: '4 GiB' }, { memory: 4 * GIB }],
      ['gpu true', { gpu: true }, { gpu: true }],
      ['fpga true', { fpga: true }, { fpga: true }],
      ['disks as an Int', { disks: 20 }, { disks: [{ mountPoint: '/', bytes: 20 * GIB }] }],
      ['disks in Cromwell form', { disks: 'local-disk 10 SSD' }, { disks: [{ mountPoint: '/', bytes: 10 * GIB, diskClass: 'SSD' }] }],
      [
        'disks as a list',
        { disks: ['10', '/mnt/data 100 GiB'] },
        { disks: [{ mountPoint: '/', bytes: 10 * GIB }, { mountPoint: '/mnt/data', bytes: 100 * GIB }] },
      ],
      ['max_retries', { max_retries: 3 }, { maxRetries: 3 }],
      ['maxRetries as an alias', { maxRetries: 2 }, { maxRetries: 2 }],
      ['return_codes as an Int', { return_codes: 1 }, { returnCodes: [1] }],
      ['return_codes as a list', { return_codes: [0, 1, 255] }, { returnCodes: [0, 1, 255] }],
      ['return_codes as "*"', { return_codes: '*' }, { returnCodes: '*' }],
      ['returnCodes as an alias', { returnCodes: [0, 3] }, { returnCodes: [0, 3] }],
    ])('%s', (_label, value, expected) => {
      expect(parseRequirements(value)).toEqual({ ...DEFAULTS, ...expected });
    });
  });

  describe('aliases', () => {
    it.each<[Record<string, unknown>, string]>([
      [{ container: 'a', docker: 'b' }, 'requirements.docker'],
      [{ docker: 'b', container: 'a' }, 'requirements.docker'],
      [{ max_retries: 1, maxRetries: 1 }, 'requirements.maxRetries'],
      [{ return_codes: 0, returnCodes: 0 }, 'requirements.returnCodes'],
    ])('rejects both names in %j', (value, path) => {
      const error = capstanErrorOf(() => parseRequirements(value));
      expect(error.code).toBe('value.invalid');
      expect(error.path).toBe(path);
      expect(error.message).toMatch(/are aliases of one attribute; give only one of them/);
    });
  });

  describe('unknown keys', () => {
    it.each<[string, string | undefined]>([
      ['memroy', 'memory'],
      ['maxretries', 'max_retries'],
      ['max-retries', 'max_retries'],
      ['returnCode', 'return_codes'],
      ['cpus', 'cpu'],
      ['Docker', 'docker'],
      ['disk', 'disks'],
      ['zones', undefined],
      ['preemptible', undefined],
    ])('rejects %j, suggesting %j', (key, suggestion) => {
      const error = capstanErrorOf(() => parseRequirements({ cpu: 1, [key]: 1 }));
      expect(error.code).toBe('value.unknown_key');
      expect(error.path).toBe(`requirements.${key}`);
      expect(error.message).toContain(`unknown key "${key}"`);
      if (suggestion === undefined) {
        expect(error.message).toContain('requirements are closed in WDL 1.2: put other attributes under hints');
        expect(error.details['suggestion']).toBeUndefined();
      } else {
        expect(error.message).toContain(`did you mean "${suggestion}"?`);
        expect(error.details['suggestion']).toBe(suggestion);
      }
    });

    it('puts the path under the section path given', () => {
      expect(capstanErrorOf(() => parseRequirements({ memroy: 1 }, 'tasks.0.requirements')).path).toBe('tasks.0.requirements.memroy');
      expect(capstanErrorOf(() => parseRequirements({ memroy: 1 }, null)).path).toBe('memroy');
    });
  });

  describe('invalid values', () => {
    it.each<[string, unknown, string, string, RegExp]>([
      ['a list section', [], 'value.invalid', 'requirements', /must be a mapping/],
      ['a string section', 'cpu: 1', 'value.invalid', 'requirements', /must be a mapping/],
      ['a number section', 4, 'value.invalid', 'requirements', /must be a mapping/],
      ['cpu 0', { cpu: 0 }, 'value.invalid', 'requirements.cpu', /^0 is below the minimum of 0/],
      ['a negative cpu', { cpu: -1 }, 'value.invalid', 'requirements.cpu', /^-1 is below the minimum of 0/],
      ['cpu as a string', { cpu: 'two' }, 'value.invalid', 'requirements.cpu', /^"two" is not a number/],
      ['cpu as a numeric string', { cpu: '2' }, 'value.invalid', 'requirements.cpu', /^"2" is not a number/],
      ['cpu NaN', { cpu: Number.NaN }, 'value.invalid', 'requirements.cpu', /^NaN is not a number/],
      ['cpu Infinity', { cpu: Number.POSITIVE_INFINITY }, 'value.invalid', 'requirements.cpu', /^Infinity is not a number/],
      ['cpu null', { cpu: null }, 'value.invalid', 'requirements.cpu', /^null is not a number/],
      ['memory as a bool', { memory: true }, 'size.invalid', 'requirements.memory', /^true is not a size/],
      ['memory negative', { memory: '-1 GiB' }, 'size.invalid', 'requirements.memory', /is negative/],
      ['memory with an unknown unit', { memory: '4 GiBs' }, 'size.invalid', 'requirements.memory', /unknown unit "GiBs"/],
      ['memory fractional bytes', { memory: 1.5 }, 'size.invalid', 'requirements.memory', /not a whole number of bytes/],
      ['gpu as a string', { gpu: 'yes' }, 'value.invalid', 'requirements.gpu', /^"yes" is not true or false/],
      ['gpu as a count', { gpu: 1 }, 'value.invalid', 'requirements.gpu', /^1 is not true or false/],
      ['fpga as a string', { fpga: 'true' }, 'value.invalid', 'requirements.fpga', /^"true" is not true or false/],
      ['disks relative', { disks: 'data 10' }, 'disk.invalid', 'requirements.disks', /not an absolute path/],
      ['disks empty list', { disks: [] }, 'disk.invalid', 'requirements.disks', /is an empty list/],
      ['a bad disk in a list', { disks: ['10', '/mnt x'] }, 'disk.invalid', 'requirements.disks.1', /size that cannot be read \(x\)/],
      ['a duplicate mount point', { disks: ['/a 1', '/a 2'] }, 'disk.invalid', 'requirements.disks.1', /"\/a" is given more than once/],
      ['container empty list', { container: [] }, 'container.invalid', 'requirements.container', /the container list is empty/],
      ['container as a number', { container: 3 }, 'container.invalid', 'requirements.container', /^3 is not a container URI/],
      ['a bad item of docker', { docker: ['ubuntu', 3] }, 'container.invalid', 'requirements.docker.1', /^3 is not a container URI/],
      ['max_retries negative', { max_retries: -1 }, 'value.invalid', 'requirements.max_retries', /^-1 is below the minimum of 0/],
      ['max_retries beyond the bound', { max_retries: 21 }, 'value.invalid', 'requirements.max_retries', /^21 is above the limit of 20 retries/],
      ['maxRetries huge', { maxRetries: 1e9 }, 'value.invalid', 'requirements.maxRetries', /above the limit of 20 retries.*write at most 20/],
      ['max_retries fractional', { max_retries: 1.5 }, 'value.invalid', 'requirements.max_retries', /^1\.5 is not a whole number/],
      ['maxRetries as a string', { maxRetries: '3' }, 'value.invalid', 'requirements.maxRetries', /^"3" is not a number/],
      ['return_codes as a word', { return_codes: 'any' }, 'value.invalid', 'requirements.return_codes', /^"any" is not an exit code/],
      ['return_codes empty list', { return_codes: [] }, 'value.invalid', 'requirements.return_codes', /is invalid|below the minimum/],
      ['return_codes fractional', { return_codes: 0.5 }, 'value.invalid', 'requirements.return_codes', /^0\.5 is/],
      ['return_codes with a string', { returnCodes: [0, '1'] }, 'value.invalid', 'requirements.returnCodes', /is/],
    ])('rejects %s', (_label, value, code, path, message) => {
      const error = capstanErrorOf(() => parseRequirements(value));
      expect(error.code).toBe(code);
      expect(error.path).toBe(path);
      expect(error.message).toMatch(message);
    });
  });

  it('throws nothing but CapstanErrors for any section', () => {
    const attribute = fc.constantFrom(...REQUIREMENT_KEYS, 'memroy');
    const section = fc.oneof(
      fc.anything({ withBigInt: true, withNullPrototype: true, withSparseArray: true }),
      fc.dictionary(attribute, fc.anything({ withBigInt: true, withSparseArray: true }), { maxKeys: 3 }),
    );
    fc.assert(
      fc.property(section, (value) => {
        try {
          parseRequirements(value);
        } catch (error) {
          expect(error).toBeInstanceOf(CapstanError);
        }
      }),
      { numRuns: 1000 },
    );
  });
});

describe('isSuccessCode', () => {
  it.each<[number, Requirements['returnCodes'], boolean]>([
    [0, [0], true],
    [1, [0], false],
    [1, [0, 1], true],
    [2, [0, 1], false],
    [-1, [0], false],
    [0, '*', true],
    [137, '*', true],
    [0, [1], false],
  ])('exit code %d under %j -> %s', (code, returnCodes, expected) => {
    expect(isSuccessCode(code, returnCodes)).toBe(expected);
  });
});
