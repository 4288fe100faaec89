import { randomFillSync } from 'node:crypto';
import { CapstanError, ErrorCode } from '@capstan/core-constraints';

/** Crockford's base32: no I, L, O or U; in ASCII order, so ids sort by plain string comparison. */
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const TIME_DIGITS = 10;
const RANDOM_DIGITS = 16;
const MAX_TIME = 2 ** 48 - 1;

/** A task id: 26 characters, ULID layout (48-bit millisecond time, then 80 random bits), Crockford base32. */
export const TASK_ID_PATTERN = /^[0-7][0-9A-HJKMNP-TV-Z]{25}$/;
export const TASK_ID_LENGTH = TIME_DIGITS + RANDOM_DIGITS;

export type Clock = () => number;
/** Fills the array with random bytes (a cryptographic source by default). */
export type RandomFill = (bytes: Uint8Array) => void;

/** Random bytes drawn from the cryptographic source 4 KiB at a time: one call of it serves about 400 ids. */
const POOL_BYTES = 4096;
const pool = new Uint8Array(POOL_BYTES);
let poolUsed = POOL_BYTES;

const cryptoFill: RandomFill = (bytes) => {
  if (bytes.length > POOL_BYTES) {
    randomFillSync(bytes);
    return;
  }
  if (poolUsed + bytes.length > POOL_BYTES) {
    randomFillSync(pool);
    poolUsed = 0;
  }
  // Each byte of the pool is handed out once.
  bytes.set(pool.subarray(poolUsed, poolUsed + bytes.length));
  poolUsed += bytes.length;
};

/**
 * Task ids that sort by creation: `01JD3Q8ZK4N6W2XG5T7RVB9M0C`. The first 10 characters are the creation time in
 * milliseconds, the other 16 are random; within one millisecond (or when the clock steps back) the previous id's
 * random part is incremented instead, so every id from one generator is greater than the one before it (ULID's
 * monotonic mode). Across processes ids are unique with overwhelming probability (80 random bits) and ordered by
 * time to the millisecond. Should the random part ever overflow, the time part moves one millisecond on.
 */
export class TaskIdGenerator {
  private lastTime = -1;
  private lastRandom: number[] = [];

  constructor(
    private readonly clock: Clock = Date.now,
    private readonly fill: RandomFill = cryptoFill,
  ) {}

  next(): string {
    const now = this.clock();
    if (!Number.isInteger(now) || now < 0 || now > MAX_TIME) {
      throw new CapstanError(ErrorCode.InvalidValue, `the clock gave ${String(now)}, not a millisecond time from 0 to 2^48 - 1; pass a clock like Date.now`);
    }
    if (now > this.lastTime) {
      this.lastTime = now;
      this.lastRandom = this.freshRandom();
    } else if (!increment(this.lastRandom)) {
      // 2^80 ids in one millisecond: move the time on rather than repeat or go back.
      this.lastTime = Math.min(this.lastTime + 1, MAX_TIME);
      this.lastRandom = this.freshRandom();
    }
    return encodeTime(this.lastTime) + this.lastRandom.map((digit) => CROCKFORD[digit] ?? '0').join('');
  }

  private freshRandom(): number[] {
    const bytes = new Uint8Array(10);
    this.fill(bytes);
    const digits: number[] = [];
    // 80 bits in 16 groups of 5, most significant first.
    let bits = 0;
    let carried = 0;
    for (const byte of bytes) {
      carried = (carried << 8) | byte;
      bits += 8;
      while (bits >= 5) {
        bits -= 5;
        digits.push((carried >> bits) & 31);
      }
      carried &= (1 << bits) - 1;
    }
    return digits;
  }
}

function encodeTime(time: number): string {
  let rest = time;
  let text = '';
  for (let index = 0; index < TIME_DIGITS; index += 1) {
    text = (CROCKFORD[rest % 32] ?? '0') + text;
    rest = Math.floor(rest / 32);
  }
  return text;
}

/** Adds one to a base-32 number held as digits; false when it overflows (all digits were 31). */
function increment(digits: number[]): boolean {
  for (let index = digits.length - 1; index >= 0; index -= 1) {
    const digit = digits[index] ?? 0;
    if (digit < 31) {
      digits[index] = digit + 1;
      return true;
    }
    digits[index] = 0;
  }
  return false;
}

const processGenerator = new TaskIdGenerator();

/** A new task id from the process-wide generator: greater than every id it gave before. */
export function newTaskId(): string {
  return processGenerator.next();
}

/** Whether `text` has the form of a task id from {@link newTaskId}. */
export function isTaskId(text: string): boolean {
  return TASK_ID_PATTERN.test(text);
}

/** The creation time a task id carries (milliseconds since the epoch). */
export function taskIdTime(id: string): number {
  if (!isTaskId(id)) {
    throw new CapstanError(ErrorCode.InvalidValue, `${JSON.stringify(id)} is not a task id (26 characters of Crockford base32)`, { details: { value: id } });
  }
  let time = 0;
  for (const char of id.slice(0, TIME_DIGITS)) time = time * 32 + CROCKFORD.indexOf(char);
  return time;
}
