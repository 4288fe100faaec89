import { createHash, timingSafeEqual } from 'node:crypto';

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/**
 * The bearer tokens the server accepts, compared in constant time: each candidate is hashed (so lengths do not leak
 * through the comparison) and compared with every known token's hash, without stopping at the first match.
 */
export class BearerTokens {
  private readonly digests: readonly Buffer[];

  constructor(tokens: readonly string[]) {
    this.digests = tokens.map(digest);
  }

  accepts(candidate: string): boolean {
    const candidateDigest = digest(candidate);
    let matched = false;
    for (const known of this.digests) matched = timingSafeEqual(known, candidateDigest) || matched;
    return matched;
  }
}

/** The token of an `Authorization: Bearer <token>` header (scheme case-insensitive), or undefined for anything else. */
export function bearerTokenOf(header: string | undefined): string | undefined {
  const match = header === undefined ? null : /^Bearer +([^\s]+) *$/i.exec(header);
  return match?.[1];
}
