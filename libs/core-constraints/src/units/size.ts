import { CapstanError, ErrorCode } from '../errors/capstan-error';

/** Bytes per unit, keyed by the lower-cased unit. `B` and no unit are bytes; decimal units are powers of 1000. */
const UNIT_BYTES: ReadonlyMap<string, bigint> = new Map([
  ['b', 1n],
  ['k', 1000n],
  ['kb', 1000n],
  ['m', 1000n ** 2n],
  ['mb', 1000n ** 2n],
  ['g', 1000n ** 3n],
  ['gb', 1000n ** 3n],
  ['t', 1000n ** 4n],
  ['tb', 1000n ** 4n],
  ['ki', 1024n],
  ['kib', 1024n],
  ['mi', 1024n ** 2n],
  ['mib', 1024n ** 2n],
  ['gi', 1024n ** 3n],
  ['gib', 1024n ** 3n],
  ['ti', 1024n ** 4n],
  ['tib', 1024n ** 4n],
]);

export const ACCEPTED_SIZE_UNITS = 'B, K/KB, M/MB, G/GB, T/TB (powers of 1000), Ki/KiB, Mi/MiB, Gi/GiB, Ti/TiB (powers of 1024)';

export const GIB = 1024 ** 3;

const SIZE_PATTERN = /^([0-9]+(?:\.[0-9]*)?|\.[0-9]+)\s*([a-z]*)$/i;

export interface SizeOptions {
  /** Where the value sits in the task file, for the error. */
  path?: string | null;
  /** The unit a bare number means (`disks` reads a bare number as GiB). Default: bytes. */
  defaultUnit?: 'B' | 'GiB';
}

/**
 * Reads a size as WDL 1.2 defines it: an integer count of bytes, or a string holding a decimal number, optional
 * whitespace and an optional case-insensitive unit. A fractional byte count rounds up. The arithmetic is exact
 * (`"6.2 GB"` is 6,200,000,000 bytes, not one more from floating-point error).
 * Throws only CapstanError (`size.invalid`).
 */
export function parseSize(value: unknown, options: SizeOptions = {}): number {
  const path = options.path ?? null;
  const defaultUnit = options.defaultUnit ?? 'B';
  if (typeof value === 'number') {
    return sizeFromNumber(value, defaultUnit, path);
  }
  if (typeof value !== 'string') {
    throw sizeError(value, 'is not a size', path);
  }
  const text = value.trim();
  if (text === '') {
    throw sizeError(value, 'is empty', path);
  }
  if (/^-/.test(text)) {
    throw sizeError(value, 'is negative', path);
  }
  const match = SIZE_PATTERN.exec(text);
  if (!match) {
    throw sizeError(value, 'is not a number with an optional unit', path);
  }
  const [, digits = '', rawUnit = ''] = match;
  const unit = rawUnit === '' ? defaultUnit.toLowerCase() : rawUnit.toLowerCase();
  const unitBytes = UNIT_BYTES.get(unit);
  if (unitBytes === undefined) {
    throw sizeError(value, `has an unknown unit "${rawUnit}"`, path);
  }
  return toSafeBytes(multiplyDecimal(digits, unitBytes), value, path);
}

function sizeFromNumber(value: number, defaultUnit: 'B' | 'GiB', path: string | null): number {
  if (!Number.isFinite(value)) {
    throw sizeError(value, 'is not a finite number', path);
  }
  if (value < 0) {
    throw sizeError(value, 'is negative', path);
  }
  if (!Number.isInteger(value)) {
    throw sizeError(value, 'is not a whole number of bytes (write a string with a unit, e.g. "1.5 GiB")', path);
  }
  const unitBytes = UNIT_BYTES.get(defaultUnit.toLowerCase()) ?? 1n;
  return toSafeBytes(BigInt(value) * unitBytes, value, path);
}

/** digits (a non-negative decimal) times unit, rounded up to a whole byte. */
function multiplyDecimal(digits: string, unitBytes: bigint): bigint {
  const [whole = '', fraction = ''] = digits.split('.');
  const scale = 10n ** BigInt(fraction.length);
  const scaled = BigInt(whole === '' ? '0' : whole) * scale + BigInt(fraction === '' ? '0' : fraction);
  const product = scaled * unitBytes;
  return (product + scale - 1n) / scale;
}

function toSafeBytes(bytes: bigint, value: unknown, path: string | null): number {
  if (bytes > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw sizeError(value, `is larger than the largest size Capstan accepts (${Number.MAX_SAFE_INTEGER} bytes, about 8 PiB)`, path);
  }
  return Number(bytes);
}

function sizeError(value: unknown, problem: string, path: string | null): CapstanError {
  return new CapstanError(
    ErrorCode.InvalidSize,
    `${describeValue(value)} ${problem}; a size is a whole number of bytes or a string such as "4 GiB" or "6.2 GB", ` +
      `with one of the units ${ACCEPTED_SIZE_UNITS}`,
    { path, details: { value } },
  );
}

export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  return `a value of type ${typeof value}`;
}

/** Bytes for people: `64 GiB`, `23.4 GiB`, `512 MiB`, `100 B`. Binary units, at most one decimal. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let value = bytes;
  let index = 0;
  while (Math.abs(value) >= 1024 && index < units.length - 1) {
    value /= 1024;
    index += 1;
  }
  let rounded = Math.round(value * 10) / 10;
  if (Math.abs(rounded) >= 1024 && index < units.length - 1) {
    // 1023.96 KiB rounds to 1024.0: show it as 1 MiB, not "1024 KiB".
    value /= 1024;
    index += 1;
    rounded = Math.round(value * 10) / 10;
  }
  return `${Number.isInteger(rounded) ? rounded.toFixed(0) : rounded.toFixed(1)} ${units[index]}`;
}
