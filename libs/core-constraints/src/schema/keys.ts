import { CapstanError, ErrorCode } from '../errors/capstan-error';
import { suggestKey } from './suggest';
import { joinPath } from './join-path';

export { editDistance, suggestKey } from './suggest';

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
  // A loop, not a filter: every task reads about twenty attributes this way, nearly always with one name or none present.
  let key: string | undefined;
  for (const name of names) {
    if (!Object.prototype.hasOwnProperty.call(value, name)) continue;
    if (key !== undefined) {
      const present = names.filter((each) => Object.prototype.hasOwnProperty.call(value, each));
      throw new CapstanError(ErrorCode.InvalidValue, `"${present.join('" and "')}" are aliases of one attribute; give only one of them`, { path: joinPath(path, present[1]) });
    }
    key = name;
  }
  return key === undefined ? undefined : { key, value: value[key] };
}
