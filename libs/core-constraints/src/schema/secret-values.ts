/**
 * Keys whose values are credentials (`secretAccessKey`, `accountKey`, `sasToken`, `connectionString`, `password`,
 * `token`, `tokens`). A configuration error names the field but never shows such a value: errors are printed, logged
 * and returned as JSON.
 */
const SECRET_KEY = /secret|password|passphrase|credential|connectionstring|accountkey|privatekey|apikey|sastoken|tokens?$/i;

export const HIDDEN_VALUE = '(hidden: a credential)';

export function isSecretKey(key: PropertyKey): boolean {
  return typeof key === 'string' && SECRET_KEY.test(key.replaceAll(/[_-]/g, ''));
}

const MAX_DEPTH = 4;

/**
 * The value with every credential below it replaced by HIDDEN_VALUE (a copy; the value itself is left alone), so that
 * an error about a whole section can still show the section. Deeper levels than a configuration has are dropped.
 */
export function hideSecrets(value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return Array.isArray(value) ? '(a list)' : '(a mapping)';
  if (Array.isArray(value)) return value.map((item) => hideSecrets(item, depth + 1));
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) copy[key] = isSecretKey(key) ? HIDDEN_VALUE : hideSecrets(item, depth + 1);
  return copy;
}
