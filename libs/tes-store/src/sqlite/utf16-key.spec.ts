import fc from 'fast-check';
import Database from 'better-sqlite3';
import { asciiKeyText, fromUtf16Key, utf16Key } from './utf16-key';

/** memcmp, as SQLite compares BLOBs. */
function compareBytes(a: Buffer, b: Buffer): number {
  return Math.sign(Buffer.compare(a, b));
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

// Every UTF-16 code unit, lone surrogates included, with the awkward ones often.
const anyText = fc.string({
  unit: fc.oneof(fc.constantFrom('a', 'B', '%', '_', '\u00e9', '\uffff', '\ue000', '\ud83d', '\ude00', '\ud83d\ude00'), fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code))),
  maxLength: 6,
});

describe('utf16Key', () => {
  it('orders byte-wise exactly as JavaScript orders the strings', () => {
    fc.assert(fc.property(anyText, anyText, (a, b) => compareBytes(utf16Key(a), utf16Key(b)) === compareStrings(a, b)));
  });

  it('makes a string prefix a byte prefix, and nothing else', () => {
    fc.assert(
      fc.property(anyText, anyText, (prefix, text) => {
        const key = utf16Key(text);
        const prefixKey = utf16Key(prefix);
        expect(key.subarray(0, prefixKey.length).equals(prefixKey)).toBe(text.startsWith(prefix));
      }),
    );
  });

  it('reads back the same string, lone surrogates included', () => {
    fc.assert(fc.property(anyText, (text) => fromUtf16Key(utf16Key(text)) === text));
    expect(fromUtf16Key(utf16Key('\ud800x'))).toBe('\ud800x');
  });

  it('sorts a character above U+FFFF before U+E000, as JavaScript does and UTF-8 does not', () => {
    expect(compareBytes(utf16Key('\u{1f600}'), utf16Key('\ue000'))).toBe(-1);
    expect(Buffer.compare(Buffer.from('\u{1f600}', 'utf8'), Buffer.from('\ue000', 'utf8'))).toBe(1);
  });

  describe('asciiKeyText, on what SQLite answers for CAST(key AS TEXT)', () => {
    let db: Database.Database;
    beforeAll(() => {
      db = new Database(':memory:');
    });
    afterAll(() => db.close());
    const cast = (text: string): string => db.prepare('SELECT CAST(? AS TEXT) AS text').pluck().get(utf16Key(text)) as string;

    it('reads back every ASCII string without NUL, and refuses every other string rather than misread it', () => {
      const mixed = fc.oneof(anyText, fc.string({ unit: fc.integer({ min: 0, max: 0x7f }).map((code) => String.fromCharCode(code)), maxLength: 30 }));
      fc.assert(
        fc.property(mixed, (text) => {
          const read = asciiKeyText(cast(text));
          const plainAscii = [...text].every((character) => character.charCodeAt(0) > 0 && character.charCodeAt(0) < 0x80);
          expect(read).toBe(plainAscii ? text : undefined);
        }),
        { numRuns: 500 },
      );
    });

    it('refuses the hostile cases one by one: NUL, a high byte, a lone surrogate, an odd length', () => {
      expect(asciiKeyText(cast('01J0ABCDEF'))).toBe('01J0ABCDEF');
      for (const text of ['a\u0000b', '\u0000', '\u00e9', '\u4100', '\u0141', '\ud800x', '\u{1f600}', 'id\u0080']) expect(asciiKeyText(cast(text))).toBeUndefined();
      expect(asciiKeyText('\u0000a\u0000')).toBeUndefined();
    });
  });
});
