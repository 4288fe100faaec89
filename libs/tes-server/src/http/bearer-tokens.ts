import { createHash, timingSafeEqual } from 'node:crypto';
import { type Principal } from '../service/principal';

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** A principal and the token that names it. */
export interface PrincipalToken extends Principal {
  readonly token: string;
}

/**
 * The bearer tokens the server accepts and the principals they name, compared in constant time: each candidate is
 * hashed (so lengths do not leak through the comparison) and compared with every known token's hash, without
 * stopping at the first match, so the time does not say which principal (or whether any) matched.
 */
export class PrincipalTokens {
  private readonly entries: ReadonlyArray<{ readonly digest: Buffer; readonly principal: Principal }>;

  constructor(tokens: readonly PrincipalToken[]) {
    this.entries = tokens.map(({ token, name, admin }) => ({ digest: digest(token), principal: { name, admin } }));
  }

  find(candidate: string): Principal | undefined {
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
