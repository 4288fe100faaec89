import { z } from 'zod';
import { addIssue } from './tes-parse';
import { showValue } from './show-value';

/** The spec's `additionalProperties: string` objects (`tags`, `env`, `metadata`, `backend_parameters`). */
export const stringMapSchema = z.record(z.string(), z.string());

/**
 * A string map read from a client, with a rule for its keys: `keyProblem(key)` answers what is wrong with a key (a
 * predicate on the map: `has an empty key; ...`), or undefined. The key `__proto__` is refused as well, since a plain
 * object cannot keep it and it would be lost silently.
 */
export function checkedStringMap(keyProblem: (key: string, value: unknown) => string | undefined = () => undefined) {
  return z
    .unknown()
    .superRefine((raw, context) => {
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return;
      for (const [key, value] of Object.entries(raw)) {
        const problem = key === '__proto__' ? `has the key "__proto__", which cannot be stored; rename it` : keyProblem(key, value);
        if (problem !== undefined) {
          addIssue(context, [], problem, raw);
          return;
        }
      }
    })
    .pipe(stringMapSchema);
}

/** A key problem for maps whose keys must not be empty. */
export function emptyKeyProblem(what: string): (key: string, value: unknown) => string | undefined {
  return (key, value) => (key === '' ? `has an empty key (with the value ${showValue(value)}); give every ${what} a name` : undefined);
}
