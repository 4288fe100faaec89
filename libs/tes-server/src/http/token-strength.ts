/** Bearer tokens shorter than this are refused: 16 characters of a random hex string are 64 bits. */
export const MIN_TOKEN_LENGTH = 16;
/**
 * The least estimated entropy of a token, in bits (its length times the Shannon entropy of its own characters), and
 * the fewest distinct characters. They catch repeated and small-alphabet tokens (`aaaa...`, `abababab...`,
 * `1111...`), not dictionary words. A random 16-character hex token scores about 53 bits with about 10 distinct
 * characters (1 in 700 falls short and is refused; `openssl rand -hex 32` never is).
 */
export const MIN_TOKEN_BITS = 40;
export const MIN_TOKEN_DISTINCT = 7;
export const TOKEN_FIX = 'generate one with `openssl rand -hex 32`';

export function estimatedBits(token: string): number {
  const counts = new Map<string, number>();
  for (const character of token) counts.set(character, (counts.get(character) ?? 0) + 1);
  const length = [...token].length;
  let perCharacter = 0;
  for (const count of counts.values()) perCharacter -= (count / length) * Math.log2(count / length);
  return perCharacter * length;
}

/** What is wrong with a token (never quoting it: messages end up in logs), or undefined when it is strong enough. */
export function tokenProblem(token: string): string | undefined {
  if (token.length < MIN_TOKEN_LENGTH) return `is ${token.length} characters long, below the minimum of ${MIN_TOKEN_LENGTH}; ${TOKEN_FIX}`;
  if (!/^[A-Za-z0-9._~+/-]+=*$/.test(token)) return `holds characters a bearer token cannot carry (RFC 6750 allows letters, digits and -._~+/ then =); ${TOKEN_FIX}`;
  const bits = estimatedBits(token);
  const distinct = new Set(token).size;
  if (bits < MIN_TOKEN_BITS || distinct < MIN_TOKEN_DISTINCT) {
    return `has too little entropy (${distinct} distinct characters and about ${Math.floor(bits)} bits estimated from them; the minimum is ${MIN_TOKEN_DISTINCT} and ${MIN_TOKEN_BITS}): it looks repeated or typed by hand; ${TOKEN_FIX}`;
  }
  return undefined;
}
