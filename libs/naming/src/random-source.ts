import { randomBytes } from 'node:crypto';

/**
 * A source of uniformly random bytes: returns a fresh array of exactly `size` bytes.
 * The default is `node:crypto` `randomBytes` (a CSPRNG); tests hand in a scripted fake to force collisions.
 */
export type RandomSource = (size: number) => Uint8Array;

/** The production random source: `crypto.randomBytes`. */
export const cryptoRandomSource: RandomSource = (size) => randomBytes(size);

/** The alphabet of every random part Capstan generates (name suffixes, run ids): digits and lowercase ASCII letters. */
export const NAME_ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';

/**
 * Bytes at or above this value are rejected. 252 = 7 * 36 is the largest multiple of the alphabet size that fits in
 * a byte, so `byte % 36` over the accepted bytes hits every character exactly 7 times: no modulo bias.
 */
const ACCEPT_BELOW = Math.floor(256 / NAME_ALPHABET.length) * NAME_ALPHABET.length;

/** A working source rejects 4 bytes in 256; this many draws without filling the string means the source is broken. */
const MAX_DRAWS = 1000;

/**
 * `length` characters drawn uniformly from {@link NAME_ALPHABET} using `random`, by rejection sampling.
 * Throws when the source returns a wrong number of bytes, or keeps returning only rejected bytes.
 */
export function randomAlphanumeric(length: number, random: RandomSource = cryptoRandomSource): string {
  if (!Number.isSafeInteger(length) || length < 0) {
    throw new RangeError(`randomAlphanumeric: length must be a non-negative integer, got ${String(length)}`);
  }
  let out = '';
  for (let draw = 0; out.length < length; draw++) {
    if (draw >= MAX_DRAWS) {
      throw new Error(`random source yielded no usable byte in ${MAX_DRAWS} draws; it is not random`);
    }
    // A few spare bytes so that one draw usually suffices despite the ~1.6 % rejections.
    const want = length - out.length + 4;
    const bytes = random(want);
    if (bytes.length !== want) {
      throw new Error(`random source returned ${bytes.length} bytes where ${want} were asked for`);
    }
    for (const byte of bytes) {
      if (byte < ACCEPT_BELOW) {
        out += NAME_ALPHABET.charAt(byte % NAME_ALPHABET.length);
        if (out.length === length) break;
      }
    }
  }
  return out;
}
