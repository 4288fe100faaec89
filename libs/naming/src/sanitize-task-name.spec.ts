import fc from 'fast-check';
import { FALLBACK_PREFIX, MAX_PREFIX_LENGTH, sanitizeTaskName } from './sanitize-task-name';

describe('sanitizeTaskName', () => {
  it.each([
    ['align', 'align'],
    ['Align Reads', 'align-reads'],
    ['ALIGN_READS', 'align-reads'],
    ['sample.01.fastq', 'sample-01-fastq'],
    ['a  b\t\nc', 'a-b-c'],
    ['a---b', 'a-b'],
    ['a_-._b', 'a-b'],
    ['--leading-and-trailing--', 'leading-and-trailing'],
    ['  spaced  ', 'spaced'],
    ['_hidden', 'hidden'],
    ['.dotfile', 'dotfile'],
    ['123-numeric-start', '123-numeric-start'],
    ['Café au lait', 'cafe-au-lait'],
    ['Ünïcödé Ñame', 'unicode-name'],
    ['İstanbul', 'istanbul'],
    ['Ｆｕｌｌｗｉｄｔｈ', 'fullwidth'],
    ['straße', 'stra-e'],
    ['日本語 task 2', 'task-2'],
    ['日本語', FALLBACK_PREFIX],
    ['🧬 sequencing 🧪', 'sequencing'],
    ['', FALLBACK_PREFIX],
    ['   ', FALLBACK_PREFIX],
    ['---', FALLBACK_PREFIX],
    ['!!!???', FALLBACK_PREFIX],
    ['/etc/passwd', 'etc-passwd'],
    ['../../escape', 'escape'],
    ['a/b\\c:d*e?f"g<h>i|j', 'a-b-c-d-e-f-g-h-i-j'],
    ['$(rm -rf /)', 'rm-rf'],
    ['\u0000nul\u0000', 'nul'],
    ['\ud800lone surrogate', 'lone-surrogate'],
  ])('%j -> %j', (taskName, expected) => {
    expect(sanitizeTaskName(taskName)).toBe(expected);
  });

  it('cuts long names to 50 characters', () => {
    expect(sanitizeTaskName('x'.repeat(500))).toBe('x'.repeat(MAX_PREFIX_LENGTH));
    expect(MAX_PREFIX_LENGTH).toBe(50);
  });

  it('does not end in a dash after cutting', () => {
    // Character 50 is the separator: the cut leaves 'a…a-', which is trimmed to 49 'a'.
    expect(sanitizeTaskName(`${'a'.repeat(49)}_bbbb`)).toBe('a'.repeat(49));
  });

  it('cuts a megabyte-long name quickly and deterministically', () => {
    const huge = `Huge ${'é'.repeat(1_000_000)}`;
    expect(sanitizeTaskName(huge)).toBe(`huge-${'e'.repeat(45)}`);
  });

  it('honours an explicit maxLength, and rejects a bad one', () => {
    expect(sanitizeTaskName('abc-def', 4)).toBe('abc');
    expect(sanitizeTaskName('', 2)).toBe('ta');
    expect(() => sanitizeTaskName('x', 0)).toThrow(RangeError);
  });

  it('always gives 1..50 characters of [a-z0-9-], starting and ending alphanumeric, without "--" (property)', () => {
    const anyUnicode = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 200 }),
      fc.string({ unit: 'grapheme', maxLength: 200 }),
      // Raw UTF-16 code units, lone surrogates included.
      fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 200 }).map((units) => String.fromCharCode(...units)),
    );
    fc.assert(
      fc.property(anyUnicode, (taskName) => {
        const prefix = sanitizeTaskName(taskName);
        expect(prefix).toMatch(/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/);
        expect(prefix).not.toContain('--');
        expect(prefix.length).toBeGreaterThanOrEqual(1);
        expect(prefix.length).toBeLessThanOrEqual(MAX_PREFIX_LENGTH);
        expect(sanitizeTaskName(taskName)).toBe(prefix);
      }),
      { numRuns: 2000 },
    );
  });

  it('keeps names that are already clean unchanged (property)', () => {
    const clean = fc
      .array(fc.stringMatching(/^[a-z0-9]{1,8}$/), { minLength: 1, maxLength: 5 })
      .map((parts) => parts.join('-'));
    fc.assert(
      fc.property(clean, (name) => {
        expect(sanitizeTaskName(name)).toBe(name);
      }),
    );
  });
});
