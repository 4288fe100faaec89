const MAX_SHOWN = 80;

/**
 * A value as an error message shows it: JSON, shortened to about 80 characters (`"data/x"`, `42`, `null`,
 * `["echo", 1]`), or `nothing` when it is missing.
 */
export function showValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = `a value of type ${typeof value}`;
  }
  return text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN - 3)}...` : text;
}

/** `"a", "b" and "c"`: a list of names for a message, or `none`. */
export function listNames(names: readonly string[], conjunction = 'and'): string {
  const quoted = names.map((name) => JSON.stringify(name));
  if (quoted.length === 0) return 'none';
  if (quoted.length === 1) return quoted[0] ?? '';
  return `${quoted.slice(0, -1).join(', ')} ${conjunction} ${quoted[quoted.length - 1] ?? ''}`;
}
