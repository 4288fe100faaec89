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
