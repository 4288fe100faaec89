import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { type Principal } from '../service/principal';

/** A principal that signs in with a user name and password (HTTP Basic); the config holds only the hash. */
export interface PrincipalUser extends Principal {
  /** `scrypt$<N>$<r>$<p>$<salt, base64>$<key, base64>`, as {@link hashPassword} writes it. */
  readonly passwordHash: string;
}

interface ScryptHash {
  readonly cost: number;
  readonly blockSize: number;
  readonly parallelization: number;
  readonly salt: Buffer;
  readonly key: Buffer;
}

const HASH_FORMAT = /^scrypt\$(\d{1,8})\$(\d{1,3})\$(\d{1,3})\$([A-Za-z0-9+/]+={0,2})\$([A-Za-z0-9+/]+={0,2})$/;
/** The cost new hashes get: about 50 ms and 16 MiB per check, which a verified-pair cache pays once per client. */
export const DEFAULT_SCRYPT_COST = 16_384;
/** Refused above this: a hash in the config must not make every sign-in take seconds or gigabytes. */
const MAX_MEMORY_BYTES = 256 * 1024 * 1024;
/** Successful sign-ins remembered (by a SHA-256 of the pair), so a client's later requests skip scrypt. */
const VERIFIED_CACHE_SIZE = 1024;

export const HASH_FIX = 'make one with: node -e "const c=require(\'node:crypto\');const s=c.randomBytes(16);console.log(\'scrypt\\$16384\\$8\\$1\\$\'+s.toString(\'base64\')+\'\\$\'+c.scryptSync(process.argv[1],s,32).toString(\'base64\'))" \'<password>\'';

/** Why `text` is not a usable password hash, or undefined when it is. Never quotes the hash. */
export function passwordHashProblem(text: string): string | undefined {
  const parsed = parsePasswordHash(text);
  if (parsed === undefined) return `is not a scrypt hash of the form scrypt$N$r$p$salt$key; ${HASH_FIX}`;
  if (parsed.cost < 2 || (parsed.cost & (parsed.cost - 1)) !== 0) return `has the scrypt cost N=${parsed.cost}, which is not a power of two above 1`;
  if (parsed.cost < 1024) return `has the scrypt cost N=${parsed.cost}, below the minimum of 1024; ${HASH_FIX}`;
  if (scryptMemory(parsed) > MAX_MEMORY_BYTES) return `needs ${scryptMemory(parsed)} bytes of memory per check (N=${parsed.cost}, r=${parsed.blockSize}), above the maximum of ${MAX_MEMORY_BYTES}`;
  if (parsed.salt.length < 8 || parsed.key.length < 16) return `has a salt of ${parsed.salt.length} bytes and a key of ${parsed.key.length}, below the minimums of 8 and 16; ${HASH_FIX}`;
  return undefined;
}

function parsePasswordHash(text: string): ScryptHash | undefined {
  const match = HASH_FORMAT.exec(text);
  if (match === null) return undefined;
  const [, cost, blockSize, parallelization, salt, key] = match;
  return { cost: Number(cost), blockSize: Number(blockSize), parallelization: Number(parallelization), salt: Buffer.from(salt ?? '', 'base64'), key: Buffer.from(key ?? '', 'base64') };
}

function scryptMemory(hash: Pick<ScryptHash, 'cost' | 'blockSize'>): number {
  return 128 * hash.cost * hash.blockSize;
}

function derive(password: string, hash: ScryptHash): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password, hash.salt, hash.key.length, { N: hash.cost, r: hash.blockSize, p: hash.parallelization, maxmem: 2 * scryptMemory(hash) + 1024 * 1024 }, (error, key) => (error === null ? resolve(key) : reject(error))),
  );
}

/** A hash of `password` for `auth.users` (the same format as {@link HASH_FIX}'s command prints). */
export async function hashPassword(password: string, cost = DEFAULT_SCRYPT_COST): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, { cost, blockSize: 8, parallelization: 1, salt, key: Buffer.alloc(32) });
  return `scrypt$${cost}$8$1$${salt.toString('base64')}$${key.toString('base64')}`;
}

/** The user name and password of an `Authorization: Basic <base64>` header, or undefined for anything else. */
export function basicCredentialsOf(header: string | undefined): { readonly user: string; readonly password: string } | undefined {
  const match = header === undefined ? null : /^Basic +([A-Za-z0-9+/]+={0,2}) *$/i.exec(header);
  if (match?.[1] === undefined) return undefined;
  const pair = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = pair.indexOf(':');
  return colon < 0 ? undefined : { user: pair.slice(0, colon), password: pair.slice(colon + 1) };
}

/**
 * The users the server accepts. A check costs one scrypt whether the user exists or not (an unknown user is checked
 * against a hash of nothing), and the keys are compared with timingSafeEqual, so the time says neither which part
 * was wrong nor whether the user exists. A pair once verified is remembered by its SHA-256 (never in clear), so a
 * client sending its password on every request pays scrypt once.
 */
export class BasicUsers {
  private readonly users: ReadonlyMap<string, { readonly hash: ScryptHash; readonly principal: Principal }>;
  private readonly decoy: ScryptHash;
  private readonly verified = new Map<string, Principal>();
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  /**
   * `limits.concurrent` scrypt checks run at once: they run on libuv's pool (4 threads), which file transfers share,
   * so a flood of wrong passwords must not take all of it; beyond `limits.waiting` queued checks, `find` answers
   * 'busy' at once.
   */
  constructor(
    users: readonly PrincipalUser[],
    private readonly limits: { readonly concurrent: number; readonly waiting: number } = { concurrent: 2, waiting: 256 },
  ) {
    const entries = users.flatMap(({ name, admin, passwordHash }) => {
      const hash = parsePasswordHash(passwordHash);
      return hash === undefined ? [] : [[name, { hash, principal: { name, admin } }] as const];
    });
    this.users = new Map(entries);
    const model = entries[0]?.[1].hash;
    this.decoy = { cost: model?.cost ?? DEFAULT_SCRYPT_COST, blockSize: model?.blockSize ?? 8, parallelization: model?.parallelization ?? 1, salt: randomBytes(16), key: randomBytes(model?.key.length ?? 32) };
  }

  get size(): number {
    return this.users.size;
  }

  /** The principal of a right pair, undefined for a wrong one, 'busy' when too many checks are waiting. */
  async find(user: string, password: string): Promise<Principal | undefined | 'busy'> {
    const pairDigest = createHash('sha256').update(`${user.length}:${user}:${password}`, 'utf8').digest('base64');
    const known = this.verified.get(pairDigest);
    if (known !== undefined) return known;
    const entry = this.users.get(user);
    const hash = entry?.hash ?? this.decoy;
    if (this.running < this.limits.concurrent) this.running += 1;
    else if (this.waiting.length >= this.limits.waiting) return 'busy';
    // A finished check hands its slot to the first waiting one, so no newcomer slips in between.
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    const key = await derive(password, hash).finally(() => {
      const next = this.waiting.shift();
      if (next === undefined) this.running -= 1;
      else next();
    });
    const same = timingSafeEqual(key, hash.key);
    if (!same || entry === undefined) return undefined;
    if (this.verified.size >= VERIFIED_CACHE_SIZE) this.verified.delete(this.verified.keys().next().value as string);
    this.verified.set(pairDigest, entry.principal);
    return entry.principal;
  }
}
