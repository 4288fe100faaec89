import { CapstanError, ErrorCode } from '../errors/capstan-error';
import { joinPath } from './zod-bridge';

/** Edit distance, for "did you mean" suggestions. */
export function editDistance(a: string, b: string): number {
  const previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i += 1) {
    let diagonal = previous[0] ?? 0;
    previous[0] = i;
    for (let j = 1; j <= b.length; j += 1) {
      const above = previous[j] ?? 0;
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      previous[j] = Math.min(above + 1, (previous[j - 1] ?? 0) + 1, diagonal + cost);
      diagonal = above;
    }
  }
  return previous[b.length] ?? 0;
}

/** The known key closest to `key`, when it is close enough to be a likely typo. */
export function suggestKey(key: string, known: readonly string[]): string | undefined {
  const normalised = key.toLowerCase().replace(/[-_]/g, '');
  let best: { key: string; distance: number } | undefined;
  for (const candidate of known) {
    const distance = editDistance(normalised, candidate.toLowerCase().replace(/[-_]/g, ''));
    if (best === undefined || distance < best.distance) best = { key: candidate, distance };
  }
  if (best === undefined) return undefined;
  return best.distance <= Math.max(2, Math.floor(key.length / 3)) ? best.key : undefined;
}

/**
 * Rejects keys outside `known` with a "did you mean" suggestion. `hint` is the fix for keys that are simply not
 * allowed here (e.g. "put other attributes under hints").
 */
export function assertKnownKeys(value: Record<string, unknown>, known: readonly string[], path: string | null, hint: string): void {
  for (const key of Object.keys(value)) {
    if (known.includes(key)) continue;
    const suggestion = suggestKey(key, known);
    const fix = suggestion === undefined ? hint : `did you mean "${suggestion}"?`;
    throw new CapstanError(ErrorCode.UnknownKey, `unknown key "${key}"; ${fix} (known keys: ${known.join(', ')})`, {
      path: joinPath(path, key),
      details: { value: key, ...(suggestion === undefined ? {} : { suggestion }) },
    });
  }
}

/**
 * Reads a value that has a canonical key and aliases (`container` / `docker`). Giving two of them is an error,
 * since their values could disagree.
 */
export function readAliased(
  value: Record<string, unknown>,
  names: readonly [string, ...string[]],
  path: string | null,
): { key: string; value: unknown } | undefined {
  const present = names.filter((name) => Object.prototype.hasOwnProperty.call(value, name));
  if (present.length > 1) {
    throw new CapstanError(
      ErrorCode.InvalidValue,
      `"${present.join('" and "')}" are aliases of one attribute; give only one of them`,
      { path: joinPath(path, present[1]) },
    );
  }
  const key = present[0];
  return key === undefined ? undefined : { key, value: value[key] };
}
