import fc from 'fast-check';
import { CapstanError } from '../errors/capstan-error';
import { ACCEPTED_SIZE_UNITS, describeValue, formatBytes, GIB, parseSize } from './size';

const KIB = 1024;
const MIB = 1024 ** 2;
const TIB = 1024 ** 4;
const MAX = Number.MAX_SAFE_INTEGER;

/** The unit table of WDL 1.2, written out independently of the implementation. */
const UNIT_FACTORS: ReadonlyArray<readonly [string, bigint]> = [
  ['', 1n],
  ['B', 1n],
  ['K', 1000n],
  ['KB', 1000n],
  ['M', 1000n ** 2n],
  ['MB', 1000n ** 2n],
  ['G', 1000n ** 3n],
  ['GB', 1000n ** 3n],
  ['T', 1000n ** 4n],
  ['TB', 1000n ** 4n],
  ['Ki', 1024n],
  ['KiB', 1024n],
  ['Mi', 1024n ** 2n],
  ['MiB', 1024n ** 2n],
  ['Gi', 1024n ** 3n],
  ['GiB', 1024n ** 3n],
  ['Ti', 1024n ** 4n],
  ['TiB', 1024n ** 4n],
];

function capstanErrorOf(run: () => unknown): CapstanError {
  try {
    run();
  } catch (error) {
    if (error instanceof CapstanError) return error;
    throw error;
  }
  throw new Error('expected a CapstanError, but nothing was thrown');
}

/** The result, or the CapstanError; anything else thrown fails the test. */
function outcome<T>(run: () => T): { ok: T } | { error: CapstanError } {
  try {
    return { ok: run() };
  } catch (error) {
    if (error instanceof CapstanError) return { error };
    throw error;
  }
}

/** ceil(whole.fraction * factor), exactly. */
function exactBytes(whole: bigint, fraction: string, factor: bigint): bigint {
  const scale = 10n ** BigInt(fraction.length);
  const scaled = whole * scale + (fraction === '' ? 0n : BigInt(fraction));
  const product = scaled * factor;
  return product / scale + (product % scale === 0n ? 0n : 1n);
}

describe('parseSize', () => {
  describe('valid sizes', () => {
    it.each<[unknown, number]>([
      [0, 0],
      [1, 1],
      [1024, 1024],
      [-0, 0],
      [MAX, MAX],
      ['0', 0],
      ['1', 1],
      ['007', 7],
      ['100', 100],
      ['100B', 100],
      ['100 B', 100],
      ['100 b', 100],
      ['1K', 1000],
      ['1k', 1000],
      ['1 KB', 1000],
      ['1 kB', 1000],
      ['1M', 1000 ** 2],
      ['1 MB', 1000 ** 2],
      ['1G', 1000 ** 3],
      ['2 gb', 2 * 1000 ** 3],
      ['1T', 1000 ** 4],
      ['1 TB', 1000 ** 4],
      ['1Ki', KIB],
      ['1 KiB', KIB],
      ['1 kib', KIB],
      ['1 KIB', KIB],
      ['1Mi', MIB],
      ['512 MiB', 512 * MIB],
      ['1Gi', GIB],
      ['4 GiB', 4 * GIB],
      ['4GiB', 4 * GIB],
      ['4 gib', 4 * GIB],
      ['1Ti', TIB],
      ['2 TiB', 2 * TIB],
      // Exact decimal arithmetic: no floating-point error in either direction.
      ['6.2 GB', 6_200_000_000],
      ['6.2GB', 6_200_000_000],
      ['  6.2 GB  ', 6_200_000_000],
      ['6.2\tGB', 6_200_000_000],
      ['6.2 \n GB', 6_200_000_000],
      ['1.07 GB', 1_070_000_000],
      ['0.27 TB', 270_000_000_000],
      ['2.01 KB', 2010],
      ['2.03 MB', 2_030_000],
      ['1.5 GiB', 1_610_612_736],
      ['0.5 KiB', 512],
      ['.5 KiB', 512],
      ['1. KiB', KIB],
      ['1.0', 1],
      ['0.0', 0],
      ['0 GiB', 0],
      // A fractional byte count rounds up.
      ['1.5 B', 2],
      ['1.5', 2],
      ['0.5', 1],
      ['0.1 KiB', 103],
      ['0.001 K', 1],
      ['0.0000000001 GB', 1],
      ['1.0000000001 KB', 1001],
      ['0.000000000000000000001 B', 1],
      [String(MAX), MAX],
      [`${MAX} B`, MAX],
      ['8191 TiB', 8191 * TIB],
    ])('%j -> %d bytes', (value, expected) => {
      expect(parseSize(value)).toBe(expected);
    });

    it.each<[unknown, number]>([
      [10, 10 * GIB],
      [0, 0],
      ['10', 10 * GIB],
      ['0.5', 512 * MIB],
      ['10 GiB', 10 * GIB],
      ['10 MB', 10_000_000],
      ['100 B', 100],
      ['100b', 100],
      [8388607, 8388607 * GIB],
    ])('with default unit GiB, %j -> %d bytes', (value, expected) => {
      expect(parseSize(value, { defaultUnit: 'GiB' })).toBe(expected);
    });
  });

  describe('invalid sizes', () => {
    it.each<[string, unknown]>([
      ['a negative number', -1],
      ['a negative fraction', -0.5],
      ['a fractional number of bytes', 1.5],
      ['NaN', Number.NaN],
      ['Infinity', Number.POSITIVE_INFINITY],
      ['-Infinity', Number.NEGATIVE_INFINITY],
      ['a number above MAX_SAFE_INTEGER', MAX + 1],
      ['a huge number', 1e300],
      ['an empty string', ''],
      ['a blank string', '   \t'],
      ['a negative string', '-1'],
      ['a negative string with a unit', '-1 GiB'],
      ['a negative string with leading space', '  -5'],
      ['negative zero as a string', '-0'],
      ['a plus sign', '+1'],
      ['letters', 'abc'],
      ['a unit without a number', 'GiB'],
      ['a lone dot', '.'],
      ['a lone dot with a unit', '. GiB'],
      ['an unknown unit', '1 XB'],
      ['a plural unit', '1 GiBs'],
      ['petabytes (not a WDL unit)', '1 PB'],
      ['pebibytes (not a WDL unit)', '1 PiB'],
      ['a bit-like unit', '1 Gb/s'],
      ['a split unit', '1 G B'],
      ['scientific notation', '1e3'],
      ['a thousands separator', '1,000'],
      ['a digit group space', '1 000'],
      ['two dots', '1.2.3'],
      ['a comma as decimal point', '1,5 GiB'],
      ['hexadecimal', '0x10'],
      ['Infinity as a string', 'Infinity'],
      ['NaN as a string', 'NaN'],
      ['a unit before the number', 'GiB 4'],
      ['trailing words', '1 KiB extra'],
      ['non-ASCII digits', '٣ GiB'],
      ['full-width digits', '１ GiB'],
      ['a string above MAX_SAFE_INTEGER', String(MAX + 1)],
      ['a unit making it too large', '8192 TiB'],
      ['far too large', '99999999999999999999999 TB'],
      ['null', null],
      ['undefined', undefined],
      ['a boolean', true],
      ['an object', { size: 1 }],
      ['a list', ['1 GiB']],
      ['a bigint', 10n],
      ['a symbol', Symbol('size')],
      ['a function', () => 1],
    ])('rejects %s (%p)', (_label, value) => {
      const error = capstanErrorOf(() => parseSize(value));
      expect(error.code).toBe('size.invalid');
      expect(error.path).toBeNull();
      expect(error.message).toContain(describeValue(value));
      expect(error.message).toContain(ACCEPTED_SIZE_UNITS);
      expect(error.details['value']).toBe(value);
    });

    it('quotes a string value in the message', () => {
      const error = capstanErrorOf(() => parseSize('12 parsecs'));
      expect(error.message).toMatch(/^"12 parsecs" has an unknown unit "parsecs"/);
    });

    it.each(['B', 'K/KB', 'M/MB', 'G/GB', 'T/TB', 'Ki/KiB', 'Mi/MiB', 'Gi/GiB', 'Ti/TiB', 'powers of 1000', 'powers of 1024'])(
      'lists the accepted unit %s in the message',
      (unit) => {
        expect(capstanErrorOf(() => parseSize('4 GB!')).message).toContain(unit);
      },
    );

    it.each<[unknown, RegExp]>([
      [-1, /^-1 is negative/],
      ['-1 GiB', /^"-1 GiB" is negative/],
      ['', /^"" is empty/],
      [1.5, /^1\.5 is not a whole number of bytes/],
      [Number.NaN, /^NaN is not a finite number/],
      ['1 XB', /unknown unit "XB"/],
      ['9007199254740992', /larger than the largest size Capstan accepts \(9007199254740991 bytes/],
      [null, /^null is not a size/],
      [undefined, /^nothing is not a size/],
    ])('explains what is wrong with %p', (value, message) => {
      expect(capstanErrorOf(() => parseSize(value)).message).toMatch(message);
    });

    it('carries the path it was given', () => {
      expect(capstanErrorOf(() => parseSize('lots', { path: 'requirements.memory' })).path).toBe('requirements.memory');
      expect(capstanErrorOf(() => parseSize(-3, { path: 'hints.max_memory' })).path).toBe('hints.max_memory');
      expect(capstanErrorOf(() => parseSize('1 PB', { path: null })).path).toBeNull();
    });

    it('rejects a GiB count whose bytes exceed MAX_SAFE_INTEGER', () => {
      expect(parseSize(8388607, { defaultUnit: 'GiB' })).toBe(8388607 * GIB);
      expect(capstanErrorOf(() => parseSize(8388608, { defaultUnit: 'GiB' })).code).toBe('size.invalid');
      expect(capstanErrorOf(() => parseSize('8388608', { defaultUnit: 'GiB' })).code).toBe('size.invalid');
    });
  });

  describe('properties', () => {
    const assertOnlyCapstanErrors = (value: unknown, defaultUnit: 'B' | 'GiB'): void => {
      const result = outcome(() => parseSize(value, { defaultUnit, path: 'p' }));
      if ('ok' in result) {
        expect(Number.isSafeInteger(result.ok)).toBe(true);
        expect(result.ok).toBeGreaterThanOrEqual(0);
      } else {
        expect(result.error.code).toBe('size.invalid');
        expect(result.error.path).toBe('p');
        expect(result.error.message).toContain(ACCEPTED_SIZE_UNITS);
      }
    };
    const defaultUnit = fc.constantFrom<'B' | 'GiB'>('B', 'GiB');
    const anything = fc.anything({
      withBigInt: true,
      withBoxedValues: true,
      withDate: true,
      withMap: true,
      withSet: true,
      withNullPrototype: true,
      withObjectString: true,
      withSparseArray: true,
      withTypedArray: true,
    });
    const unitish = fc
      .array(
        fc.constantFrom(
          '0', '1', '9', '12', '6.2', '.', '-', '+', ' ', '\t', '\n', '\u00a0', 'e', 'E', 'x', ',', '_',
          'B', 'b', 'K', 'k', 'KB', 'Ki', 'KiB', 'kib', 'M', 'MB', 'Mi', 'MiB', 'G', 'GB', 'Gi', 'GiB', 'T', 'TB',
          'Ti', 'TiB', 'P', 'PB', 'PiB', 'i', 'ſ', 'K', '٣', 'Infinity', 'NaN', '9007199254740993',
        ),
        { maxLength: 8 },
      )
      .map((parts) => parts.join(''));

    it('throws nothing but size.invalid CapstanErrors for any value', () => {
      fc.assert(fc.property(anything, defaultUnit, assertOnlyCapstanErrors), { numRuns: 500 });
    });

    it('throws nothing but size.invalid CapstanErrors for any string', () => {
      const strings = fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary' }), unitish);
      fc.assert(fc.property(strings, defaultUnit, assertOnlyCapstanErrors), { numRuns: 1000 });
    });

    it('reads any number exactly: a safe non-negative integer is a count, anything else an error', () => {
      const numbers = fc.oneof(
        fc.double(),
        fc.integer(),
        fc.maxSafeInteger(),
        fc.double({ min: 0, max: 1e20, noNaN: true }),
        fc.constantFrom(Number.NaN, Infinity, -Infinity, -0, Number.MAX_VALUE, Number.MIN_VALUE, MAX, MAX + 1, -1, 0.5),
      );
      fc.assert(
        fc.property(numbers, defaultUnit, (value, unit) => {
          const factor = unit === 'GiB' ? GIB : 1;
          const valid = Number.isSafeInteger(value) && value >= 0 && BigInt(value) * BigInt(factor) <= BigInt(MAX);
          const result = outcome(() => parseSize(value, { defaultUnit: unit }));
          if (valid) expect(result).toEqual({ ok: value * factor + 0 }); // + 0: -0 reads as 0
          else expect('error' in result && result.error.code).toBe('size.invalid');
        }),
        { numRuns: 1000 },
      );
    });

    it('reads generated (number, unit) pairs as the exact BigInt product rounded up', () => {
      const pair = fc.record({
        whole: fc.oneof(fc.bigInt({ min: 0n, max: 9999n }), fc.bigInt({ min: 0n, max: 10n ** 18n })),
        omitWhole: fc.boolean(),
        dot: fc.boolean(),
        fraction: fc.stringMatching(/^[0-9]{0,14}$/),
        unit: fc.constantFrom(...UNIT_FACTORS),
        upper: fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
        gap: fc.constantFrom('', ' ', '  ', '\t'),
        pad: fc.constantFrom('', ' ', '\n'),
      });
      fc.assert(
        fc.property(pair, ({ whole, omitWhole, dot, fraction, unit: [unit, factor], upper, gap, pad }) => {
          const fractionPart = dot ? fraction : '';
          const wholeText = omitWhole && dot && fraction !== '' ? '' : whole.toString();
          const wholeValue = wholeText === '' ? 0n : whole;
          const unitText = [...unit].map((ch, i) => (upper[i] ? ch.toUpperCase() : ch.toLowerCase())).join('');
          const text = `${pad}${wholeText}${dot ? `.${fraction}` : ''}${gap}${unitText}${pad}`;
          const expected = exactBytes(wholeValue, fractionPart, factor);
          const result = outcome(() => parseSize(text));
          if (expected <= BigInt(MAX)) {
            expect(result).toEqual({ ok: Number(expected) });
          } else {
            expect('error' in result && result.error.code).toBe('size.invalid');
          }
        }),
        { numRuns: 2000 },
      );
    });

    it('reads a bare number as GiB when asked to, exactly', () => {
      fc.assert(
        fc.property(fc.bigInt({ min: 0n, max: 8388606n }), fc.stringMatching(/^[0-9]{1,9}$/), (whole, fraction) => {
          const expected = exactBytes(whole, fraction, 1024n ** 3n);
          expect(parseSize(`${whole}.${fraction}`, { defaultUnit: 'GiB' })).toBe(Number(expected));
        }),
      );
    });
  });
});

describe('formatBytes', () => {
  it.each<[number, string]>([
    [0, '0 B'],
    [1, '1 B'],
    [100, '100 B'],
    [1023, '1023 B'],
    [1024, '1 KiB'],
    [1536, '1.5 KiB'],
    [1280, '1.3 KiB'],
    [10 * KIB, '10 KiB'],
    [MIB - 1, '1 MiB'],
    [MIB, '1 MiB'],
    [512 * MIB, '512 MiB'],
    [GIB, '1 GiB'],
    [2 * GIB, '2 GiB'],
    [2 * GIB + 1, '2 GiB'],
    [Math.round(23.4 * GIB), '23.4 GiB'],
    [64 * GIB, '64 GiB'],
    [6_200_000_000, '5.8 GiB'],
    [TIB, '1 TiB'],
    [1024 * TIB, '1 PiB'],
    [MAX, '8 PiB'],
    [1024 * 1024 * TIB, '1024 PiB'],
    [-2048, '-2 KiB'],
  ])('%d -> %j', (bytes, expected) => {
    expect(formatBytes(bytes)).toBe(expected);
  });

  it('never shows 1024 or more of a unit below PiB, and at most one decimal', () => {
    fc.assert(
      fc.property(fc.maxSafeNat(), (bytes) => {
        const match = /^(\d+(?:\.\d)?) (B|KiB|MiB|GiB|TiB|PiB)$/.exec(formatBytes(bytes));
        expect(match).not.toBeNull();
        if (match?.[2] !== 'PiB') expect(Number(match?.[1])).toBeLessThan(1024);
      }),
    );
  });
});

describe('describeValue', () => {
  it.each<[unknown, string]>([
    ['4 GiB', '"4 GiB"'],
    ['say "hi"', '"say \\"hi\\""'],
    [3, '3'],
    [Number.NaN, 'NaN'],
    [true, 'true'],
    [null, 'null'],
    [undefined, 'nothing'],
    [[1, 2], 'a list'],
    [{ a: 1 }, 'a value of type object'],
    [10n, 'a value of type bigint'],
  ])('%p -> %s', (value, expected) => {
    expect(describeValue(value)).toBe(expected);
  });
});
