/**
 * A string as big-endian UTF-16 bytes. SQLite compares BLOBs with memcmp, and memcmp over big-endian code units
 * orders exactly as JavaScript's `<` does (by UTF-16 code unit), which TEXT does not: SQLite's BINARY collation
 * compares UTF-8, where characters above U+FFFF sort after U+E000-U+FFFF, and a lone surrogate (valid in a JS string)
 * cannot be stored at all. Ids, names and tags are therefore kept as these keys, so ordering, prefixes and equality in
 * SQL agree with tes-model's reference functions for every string.
 */
export function utf16Key(text: string): Buffer {
  return Buffer.from(text, 'utf16le').swap16();
}

/** The string back from {@link utf16Key}. Does not change `key`. */
export function fromUtf16Key(key: Uint8Array): string {
  return Buffer.from(key).swap16().toString('utf16le');
}

/**
 * The string of a {@link utf16Key} that SQLite cast to TEXT (its bytes read as UTF-8), when the string is ASCII
 * without NUL: then every byte is below 0x80, so each became one character, and the high bytes are all zero. Anything
 * else (a byte of 0x80 or more decodes to a character of 0x80 or more) answers undefined: read the BLOB instead.
 */
export function asciiKeyText(cast: string): string | undefined {
  if (cast.length % 2 !== 0) return undefined;
  let text = '';
  for (let index = 0; index < cast.length; index += 2) {
    const low = cast.charCodeAt(index + 1);
    if (cast.charCodeAt(index) !== 0 || low === 0 || low >= 0x80) return undefined;
    text += cast[index + 1];
  }
  return text;
}
