import { createHash, randomInt, timingSafeEqual } from 'node:crypto';
import { type Principal } from '../service/principal';

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** A principal and the token that names it. */
export interface PrincipalToken extends Principal {
  readonly token: string;
}

/**
 * FNV-1a over the UTF-16 code units, from a seed drawn per process: it only picks which known token a candidate could
 * be, so it need not resist collisions, but with its seed secret a client cannot compute it offline.
 */
export function seededHash(seed: number): (text: string) => number {
  return (text) => {
    let hash = (0x811c9dc5 ^ seed) >>> 0;
    for (let index = 0; index < text.length; index += 1) hash = Math.imul(hash ^ text.charCodeAt(index), 0x01000193) >>> 0;
    return hash;
  };
}

/**
 * The bearer tokens the server accepts and the principals they name, compared in constant time. A known token is
 * found through a fast hash of it and one constant-time comparison of its bytes (SHA-256 per request was a few % of
 * a request's CPU). Any other candidate (wrong, or sharing a known token's fast hash) takes the full path: hashed
 * with SHA-256 (so lengths do not leak through the comparison) and compared with every known token's hash, without
 * stopping at the first match, so the time does not say which principal (or whether any) matched. The tokens are
 * fixed for the life of the server (a changed token file takes effect at the next start), so nothing here goes stale.
 */
export class PrincipalTokens {
  private readonly entries: ReadonlyArray<{ readonly digest: Buffer; readonly principal: Principal }>;
  /** Each known token by its fast hash; of two tokens with one hash, the second is found by the full path only. */
  private readonly byHash = new Map<number, { readonly bytes: Buffer; readonly principal: Principal }>();

  constructor(
    tokens: readonly PrincipalToken[],
    private readonly hash: (text: string) => number = seededHash(randomInt(0x7fffffff)),
  ) {
    this.entries = tokens.map(({ token, name, admin }) => ({ digest: digest(token), principal: { name, admin } }));
    for (const { token, name, admin } of tokens) {
      const key = hash(token);
      if (!this.byHash.has(key)) this.byHash.set(key, { bytes: Buffer.from(token, 'utf8'), principal: { name, admin } });
    }
  }

  find(candidate: string): Principal | undefined {
    const known = this.byHash.get(this.hash(candidate));
    if (known !== undefined) {
      const bytes = Buffer.from(candidate, 'utf8');
      if (bytes.length === known.bytes.length && timingSafeEqual(bytes, known.bytes)) return known.principal;
    }
    return this.findByDigest(candidate);
  }

  private findByDigest(candidate: string): Principal | undefined {
    const candidateDigest = digest(candidate);
    let found: Principal | undefined;
    for (const entry of this.entries) {
      const same = timingSafeEqual(entry.digest, candidateDigest);
      found = same ? entry.principal : found;
    }
    return found;
  }
}

/** The token of an `Authorization: Bearer <token>` header (scheme case-insensitive), or undefined for anything else. */
export function bearerTokenOf(header: string | undefined): string | undefined {
  const match = header === undefined ? null : /^Bearer +([^\s]+) *$/i.exec(header);
  return match?.[1];
}
