import { cryptoRandomSource, NAME_ALPHABET, randomAlphanumeric, type RandomSource } from './random-source';

/** A fake source that plays back `bytes` in order (wrapping around) and records how many bytes were asked for. */
function scripted(bytes: readonly number[]): RandomSource & { asked: number[] } {
  let position = 0;
  const asked: number[] = [];
  const source = (size: number): Uint8Array => {
    asked.push(size);
    const out = new Uint8Array(size);
    for (let i = 0; i < size; i++) out[i] = bytes[position++ % bytes.length] ?? 0;
    return out;
  };
  return Object.assign(source, { asked });
}

describe('randomAlphanumeric', () => {
  it('maps accepted bytes to the alphabet by byte % 36', () => {
    expect(randomAlphanumeric(6, scripted([0, 9, 10, 35, 36, 251]))).toBe('09az0z');
  });

  it('rejects bytes 252..255 instead of folding them onto 0..3 (no modulo bias)', () => {
    expect(randomAlphanumeric(3, scripted([252, 253, 254, 255, 1, 255, 2, 3]))).toBe('123');
  });

  it('hits every character exactly 7 times over all 256 byte values', () => {
    // The four rejectable values first: folding them in instead would give '0'..'3' an eighth hit.
    const all = [252, 253, 254, 255, ...Array.from({ length: 252 }, (_, i) => i)];
    const text = randomAlphanumeric(252, scripted(all));
    const counts = new Map<string, number>();
    for (const ch of text) counts.set(ch, (counts.get(ch) ?? 0) + 1);
    expect(counts.size).toBe(36);
    expect([...counts.values()].every((n) => n === 7)).toBe(true);
  });

  it('draws again when a draw was mostly rejected', () => {
    const source = scripted([255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 7]);
    expect(randomAlphanumeric(2, source)).toBe('77');
    expect(source.asked.length).toBeGreaterThan(1);
  });

  it('throws instead of spinning forever on a source that yields only rejected bytes', () => {
    expect(() => randomAlphanumeric(4, scripted([255]))).toThrow(/not random/);
  });

  it('throws on a source that returns the wrong number of bytes', () => {
    expect(() => randomAlphanumeric(4, () => new Uint8Array(1))).toThrow(/returned 1 bytes/);
  });

  it('returns the empty string for length 0 and rejects bad lengths', () => {
    expect(randomAlphanumeric(0)).toBe('');
    expect(() => randomAlphanumeric(-1)).toThrow(RangeError);
    expect(() => randomAlphanumeric(1.5)).toThrow(RangeError);
  });

  it('with the crypto source gives strings of the alphabet, roughly uniform', () => {
    const text = randomAlphanumeric(36_000, cryptoRandomSource);
    expect(text).toMatch(/^[0-9a-z]{36000}$/);
    const counts = new Map<string, number>();
    for (const ch of text) counts.set(ch, (counts.get(ch) ?? 0) + 1);
    expect(counts.size).toBe(NAME_ALPHABET.length);
    // Expected 1000 each, sd ≈ 31: 800..1200 is more than 6 sd wide.
    for (const n of counts.values()) {
      expect(n).toBeGreaterThan(800);
      expect(n).toBeLessThan(1200);
    }
  });
});
