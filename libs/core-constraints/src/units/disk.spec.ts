import fc from 'fast-check';
import { CapstanError } from '../errors/capstan-error';
import { DEFAULT_DISKS, type DiskSpec, parseDisks, TASK_ROOT_MOUNT } from './disk';
import { ACCEPTED_SIZE_UNITS, GIB } from './size';

const MIB = 1024 ** 2;
const TIB = 1024 ** 4;

function capstanErrorOf(run: () => unknown): CapstanError {
  try {
    run();
  } catch (error) {
    if (error instanceof CapstanError) return error;
    throw error;
  }
  throw new Error('expected a CapstanError, but nothing was thrown');
}

function outcome<T>(run: () => T): { ok: T } | { error: CapstanError } {
  try {
    return { ok: run() };
  } catch (error) {
    if (error instanceof CapstanError) return { error };
    throw error;
  }
}

const root = (bytes: number, diskClass?: DiskSpec['diskClass']): DiskSpec =>
  diskClass === undefined ? { mountPoint: '/', bytes } : { mountPoint: '/', bytes, diskClass };

describe('DEFAULT_DISKS', () => {
  it('is 1 GiB at the task root', () => {
    expect(TASK_ROOT_MOUNT).toBe('/');
    expect(DEFAULT_DISKS).toEqual([{ mountPoint: '/', bytes: GIB }]);
  });
});

describe('parseDisks', () => {
  describe('valid specifications', () => {
    it.each<[string, unknown, DiskSpec[]]>([
      ['an Int is GiB at the root', 10, [root(10 * GIB)]],
      ['Int zero', 0, [root(0)]],
      ['"<size>" is GiB', '10', [root(10 * GIB)]],
      ['"<size>" with surrounding space', '  10  ', [root(10 * GIB)]],
      ['"<size>" fractional GiB', '1.5', [root(1.5 * GIB)]],
      ['"<size> <unit>"', '10 GiB', [root(10 * GIB)]],
      ['"<size><unit>"', '10GiB', [root(10 * GIB)]],
      ['"<size> <unit>" decimal', '500 MB', [root(500_000_000)]],
      ['"<size> <unit>" lower case', '2 tib', [root(2 * TIB)]],
      ['"<size> <unit>" fraction', '0.5 GiB', [root(512 * MIB)]],
      ['"<size> B"', '100 B', [root(100)]],
      ['"<mount> <size>"', '/mnt/data 100', [{ mountPoint: '/mnt/data', bytes: 100 * GIB }]],
      ['"<mount> <size> <unit>"', '/mnt/data 100 GB', [{ mountPoint: '/mnt/data', bytes: 100_000_000_000 }]],
      ['"<mount> <size><unit>"', '/mnt/data 100GB', [{ mountPoint: '/mnt/data', bytes: 100_000_000_000 }]],
      ['extra whitespace', '  /mnt/data \t 100   GiB ', [{ mountPoint: '/mnt/data', bytes: 100 * GIB }]],
      ['a trailing slash on the mount point', '/mnt/data/ 5', [{ mountPoint: '/mnt/data', bytes: 5 * GIB }]],
      ['an unnormalised mount point', '/mnt//data/./x 5', [{ mountPoint: '/mnt/data/x', bytes: 5 * GIB }]],
      ['the root as a mount point', '/ 5', [root(5 * GIB)]],
      ['Cromwell local-disk SSD', 'local-disk 10 SSD', [root(10 * GIB, 'SSD')]],
      ['Cromwell local-disk HDD', 'local-disk 10 HDD', [root(10 * GIB, 'HDD')]],
      ['Cromwell local-disk LOCAL', 'local-disk 375 LOCAL', [root(375 * GIB, 'LOCAL')]],
      ['Cromwell class in lower case', 'local-disk 10 ssd', [root(10 * GIB, 'SSD')]],
      ['Cromwell without a class', 'local-disk 10', [root(10 * GIB)]],
      ['a mount point with a class', '/mnt/data 100 HDD', [{ mountPoint: '/mnt/data', bytes: 100 * GIB, diskClass: 'HDD' }]],
      ['a size with a class', '10 SSD', [root(10 * GIB, 'SSD')]],
      ['a size with a unit and a class', '10 GiB SSD', [root(10 * GIB, 'SSD')]],
      ['a one-item list', ['/mnt/a 1'], [{ mountPoint: '/mnt/a', bytes: GIB }]],
      [
        'a list of mixed forms',
        [10, '/mnt/data 100 GiB', '/mnt/scratch 50 HDD'],
        [root(10 * GIB), { mountPoint: '/mnt/data', bytes: 100 * GIB }, { mountPoint: '/mnt/scratch', bytes: 50 * GIB, diskClass: 'HDD' }],
      ],
      [
        'a Cromwell list',
        ['local-disk 10 SSD', '/mnt/b 2 GB'],
        [root(10 * GIB, 'SSD'), { mountPoint: '/mnt/b', bytes: 2_000_000_000 }],
      ],
    ])('%s: %j', (_label, value, expected) => {
      expect(parseDisks(value)).toEqual(expected);
    });

    it('leaves out diskClass when none is given', () => {
      const [disk] = parseDisks('/mnt/a 1');
      expect(disk).toBeDefined();
      expect(Object.keys(disk ?? {})).toEqual(['mountPoint', 'bytes']);
    });
  });

  describe('invalid specifications', () => {
    it.each<[string, unknown, RegExp]>([
      ['an empty list', [], /is an empty list/],
      ['an empty string', '', /is empty/],
      ['a blank string', '   ', /is empty/],
      ['a relative mount point', 'data 10', /mount point "data", which is not an absolute path/],
      ['a relative mount point with a unit', 'mnt/data 10 GiB', /mount point "mnt\/data", which is not an absolute path/],
      ['a dot-relative mount point', './data 10', /cannot be read/],
      ['a parent-relative mount point', '../data 10', /cannot be read/],
      ['a home-relative mount point', '~/data 10', /not an absolute path/],
      ['a mount point without a size', '/mnt/data', /has no size/],
      ['local-disk without a size', 'local-disk', /has no size/],
      ['local-disk with only a class', 'local-disk SSD', /cannot be read/],
      ['only a class', 'SSD', /not an absolute path/],
      ['too many parts', '/mnt/data 100 GiB SSD', /has too many parts/],
      ['too many parts (numbers)', '/a 1 2 3', /has too many parts/],
      ['too many parts (after the size)', '1 GiB x', /has too many parts/],
      ['Cromwell with a unit', 'local-disk 10 GiB SSD', /has too many parts/],
      ['two sizes', '/mnt 10 10', /size that cannot be read \(10 10\)/],
      ['an unknown unit', '10 XB', /size that cannot be read \(10 XB\)/],
      ['an unknown unit after a mount', '/mnt 10 parsecs', /cannot be read/],
      ['a negative size', '-5', /cannot be read/],
      ['a negative size after a mount', '/mnt -5 GiB', /cannot be read/],
      ['a negative size with a unit', '-5 GiB', /size that cannot be read \(-5 GiB\)/],
      ['a signed size', '+5', /size that cannot be read \(\+5\)/],
      ['too large', '9000000 GiB', /cannot be read/],
      ['a negative Int', -1, /not a whole, non-negative number of GiB/],
      ['a fractional Int', 1.5, /for a fraction, write a string such as "1.5 GiB"/],
      ['NaN', Number.NaN, /not a whole/],
      ['Infinity', Number.POSITIVE_INFINITY, /not a whole/],
      ['an Int too large in GiB', 8388608, /at most 8 PiB/],
      ['null', null, /is not a disk specification/],
      ['undefined', undefined, /is not a disk specification/],
      ['a boolean', true, /is not a disk specification/],
      ['a mapping', { '/mnt': 10 }, /is not a disk specification/],
    ])('rejects %s (%p)', (_label, value, message) => {
      const error = capstanErrorOf(() => parseDisks(value, 'requirements.disks'));
      expect(error.code).toBe('disk.invalid');
      expect(error.path).toBe('requirements.disks');
      expect(error.message).toMatch(message);
    });

    it('states the accepted forms and units in the message', () => {
      const { message } = capstanErrorOf(() => parseDisks('data 10'));
      expect(message).toMatch(/^disk specification "data 10" has the mount point "data"/);
      expect(message).toContain('"<mount-point> <size> <unit>"');
      expect(message).toContain('local-disk <size> SSD|HDD');
      expect(message).toContain(ACCEPTED_SIZE_UNITS);
      expect(message).toContain('a size without a unit is GiB');
    });

    it.each<[string, unknown, string]>([
      ['a bad item', ['/mnt/a 1', 'data 2'], 'requirements.disks.1'],
      ['a nested list', [[10]], 'requirements.disks.0'],
      ['a null item', ['/mnt/a 1', null], 'requirements.disks.1'],
      ['a bad Int item', [1, -2], 'requirements.disks.1'],
      ['a mapping item', [{ size: 1 }], 'requirements.disks.0'],
      ['a hole in a sparse list', new Array<unknown>(1), 'requirements.disks.0'],
      ['a hole after an item', Object.assign(new Array<unknown>(2), { 0: '/mnt/a 1' }), 'requirements.disks.1'],
    ])('reports %s with the path of the list item', (_label, value, path) => {
      const error = capstanErrorOf(() => parseDisks(value, 'requirements.disks'));
      expect(error.code).toBe('disk.invalid');
      expect(error.path).toBe(path);
    });

    it('uses the item index alone as the path when no path is given', () => {
      expect(capstanErrorOf(() => parseDisks(['/a 1', 'x 1'])).path).toBe('1');
      expect(capstanErrorOf(() => parseDisks('x 1')).path).toBeNull();
    });

    describe('duplicate mount points', () => {
      it.each<[string, unknown[], string, string]>([
        ['the same mount point twice', ['/mnt/a 1', '/mnt/a 2'], '/mnt/a', 'requirements.disks.1'],
        ['the root given twice', [10, 'local-disk 5 SSD'], '/', 'requirements.disks.1'],
        ['the root by Int and by mount point', ['/mnt/x 1', '5', '/ 5'], '/', 'requirements.disks.2'],
        ['the same mount point after normalising', ['/mnt/a 1', '/mnt/b 1', '/mnt/a/ 2'], '/mnt/a', 'requirements.disks.2'],
      ])('%s', (_label, value, mountPoint, path) => {
        const error = capstanErrorOf(() => parseDisks(value, 'requirements.disks'));
        expect(error.code).toBe('disk.invalid');
        expect(error.path).toBe(path);
        expect(error.message).toContain(`mount point "${mountPoint}" is given more than once`);
        expect(error.details['value']).toBe(mountPoint);
      });
    });
  });

  describe('properties', () => {
    const check = (value: unknown): void => {
      const result = outcome(() => parseDisks(value, 'requirements.disks'));
      if ('ok' in result) {
        expect(result.ok.length).toBeGreaterThan(0);
        for (const disk of result.ok) {
          expect(disk.mountPoint.startsWith('/')).toBe(true);
          expect(Number.isSafeInteger(disk.bytes) && disk.bytes >= 0).toBe(true);
        }
        expect(new Set(result.ok.map((disk) => disk.mountPoint)).size).toBe(result.ok.length);
      } else {
        expect(result.error.code).toBe('disk.invalid');
        expect(result.error.path?.startsWith('requirements.disks')).toBe(true);
      }
    };
    const fragments = fc
      .array(
        fc.constantFrom(
          '/', '/mnt', '/mnt/data', 'data', './', 'local-disk', ' ', '  ', '\t', '0', '1', '10', '2.5', '.', '-', 'e',
          'GiB', 'gb', 'Ki', 'TB', 'PB', 'SSD', 'hdd', 'LOCAL', 'x', '٣', '\u00a0',
        ),
        { maxLength: 8 },
      )
      .map((parts) => parts.join(''));
    const numbers = fc.oneof(
      fc.double(),
      fc.integer(),
      fc.maxSafeInteger(),
      fc.constantFrom(Number.NaN, Infinity, -Infinity, -0, 8388607, 8388608, -1),
    );
    const scalar = fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary' }), fragments, numbers);

    it('throws nothing but disk.invalid CapstanErrors for any value', () => {
      fc.assert(
        fc.property(fc.anything({ withBigInt: true, withMap: true, withSet: true, withNullPrototype: true, withSparseArray: true }), check),
        { numRuns: 500 },
      );
    });

    it('throws nothing but disk.invalid CapstanErrors for strings, numbers and lists of them', () => {
      fc.assert(fc.property(fc.oneof(scalar, fc.array(scalar, { maxLength: 4 })), check), { numRuns: 1500 });
    });

    it('reads generated valid specifications exactly', () => {
      const units: ReadonlyArray<readonly [string, bigint]> = [
        ['', 1024n ** 3n],
        ['B', 1n],
        ['KB', 1000n],
        ['MiB', 1024n ** 2n],
        ['GB', 1000n ** 3n],
        ['GiB', 1024n ** 3n],
        ['TB', 1000n ** 4n],
        ['Ti', 1024n ** 4n],
      ];
      const spec = fc.record({
        mount: fc.constantFrom('', '/', '/mnt/data', '/scratch/', 'local-disk'),
        whole: fc.bigInt({ min: 0n, max: 5000n }),
        fraction: fc.stringMatching(/^[0-9]{0,6}$/),
        unit: fc.constantFrom(...units),
        unitGap: fc.constantFrom('', ' '),
        diskClass: fc.constantFrom('', 'SSD', 'HDD', 'LOCAL'),
      });
      fc.assert(
        fc.property(spec, ({ mount, whole, fraction, unit: [unit, factor], unitGap, diskClass }) => {
          // Four words (mount, size, unit, class) are too many; leave the class out then.
          const useClass = diskClass !== '' && !(mount !== '' && unit !== '' && unitGap === ' ');
          const size = `${whole}${fraction === '' ? '' : `.${fraction}`}${unit === '' ? '' : unitGap}${unit}`;
          const text = [mount, size, useClass ? diskClass : ''].filter((part) => part !== '').join(' ');
          const scale = 10n ** BigInt(fraction.length);
          const product = (whole * scale + (fraction === '' ? 0n : BigInt(fraction))) * factor;
          const bytes = Number(product / scale + (product % scale === 0n ? 0n : 1n));
          const mountPoint = mount === '' || mount === 'local-disk' ? '/' : mount.replace(/(.)\/$/, '$1');
          const expected: DiskSpec = useClass
            ? { mountPoint, bytes, diskClass: diskClass as DiskSpec['diskClass'] & string }
            : { mountPoint, bytes };
          expect(parseDisks(text)).toEqual([expected]);
          expect(parseDisks([text])).toEqual([expected]);
        }),
        { numRuns: 1000 },
      );
    });

    it('reads any non-negative Int as that many GiB at the root', () => {
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 8388607 }), (gib) => {
          expect(parseDisks(gib)).toEqual([root(gib * GIB)]);
        }),
      );
    });
  });
});
