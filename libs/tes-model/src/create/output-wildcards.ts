/**
 * Pattern matching in output paths: POSIX (IEEE Std 1003.1-2017, 2.13) `*`, `?` and bracket expressions `[...]`. A
 * backslash quotes the next character; a `[` without a later `]` is an ordinary character.
 */
export interface PathPattern {
  /** Whether the path holds at least one wildcard. */
  readonly hasWildcards: boolean;
  /** The literal text before the first wildcard, quotes removed: every match starts with it. */
  readonly literalHead: string;
}

export function readPathPattern(path: string): PathPattern {
  let head = '';
  for (let index = 0; index < path.length; index += 1) {
    const char = path[index] ?? '';
    if (char === '\\' && index + 1 < path.length) {
      index += 1;
      head += path[index] ?? '';
    } else if (char === '*' || char === '?' || (char === '[' && path.indexOf(']', index + 2) !== -1)) {
      return { hasWildcards: true, literalHead: head };
    } else {
      head += char;
    }
  }
  return { hasWildcards: false, literalHead: head };
}

/** The directory part of a literal head (`/data/out` -> `/data/`), the natural `path_prefix` to suggest. */
export function suggestedPathPrefix(literalHead: string): string {
  return literalHead.slice(0, literalHead.lastIndexOf('/') + 1) || '/';
}
