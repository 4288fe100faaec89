/** The longest name Capstan generates: a DNS label (RFC 1123), and so also a Kubernetes object name. */
export const MAX_NAME_LENGTH = 63;

/** Length of the random part at the end of every generated name. 36^12 ≈ 4.7e18 (62 bits). */
export const SUFFIX_LENGTH = 12;

/** The longest readable prefix: the name is `${prefix}-${suffix}`. */
export const MAX_PREFIX_LENGTH = MAX_NAME_LENGTH - 1 - SUFFIX_LENGTH;

/** The prefix used when nothing readable is left of the task name (empty, or no ASCII letter or digit at all). */
export const FALLBACK_PREFIX = 'task';

/**
 * Only this many UTF-16 code units of a task name are looked at. The prefix is at most 50 characters, so reading a
 * megabyte-long task name to the end is waste; the cut is deterministic, so equal task names still give equal prefixes.
 */
const MAX_INPUT_LOOKED_AT = 1024;

/**
 * The readable prefix of a generated name: the task name reduced to `[a-z0-9-]`.
 *
 * 1. Unicode compatibility decomposition (NFKD) and removal of combining marks, so accented Latin letters keep their
 *    base letter (`Café` -> `cafe`, `Ｆｕｌｌ` -> `full`) instead of turning into dashes;
 * 2. lowercase;
 * 3. every run of characters outside `[a-z0-9]` (spaces, dots, underscores, dashes, other scripts) becomes one `-`;
 * 4. leading and trailing `-` are trimmed, so the prefix starts and ends with a letter or digit;
 * 5. cut to `maxLength` (default {@link MAX_PREFIX_LENGTH}) and trimmed again;
 * 6. empty -> {@link FALLBACK_PREFIX}.
 */
export function sanitizeTaskName(taskName: string, maxLength: number = MAX_PREFIX_LENGTH): string {
  if (!Number.isSafeInteger(maxLength) || maxLength < 1) {
    throw new RangeError(`sanitizeTaskName: maxLength must be a positive integer, got ${String(maxLength)}`);
  }
  const reduced = taskName
    .slice(0, MAX_INPUT_LOOKED_AT)
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, maxLength)
    .replace(/-+$/, '');
  return reduced === '' ? FALLBACK_PREFIX.slice(0, maxLength) : reduced;
}
