import { CapstanLabel } from '@capstan/support';

/** Every Capstan job's comment starts with this, so that jobs of other tools are never taken for ours. */
export const COMMENT_PREFIX = 'capstan:';

/** Slurm refuses longer comments (somewhere under 2,000 characters in 22.05); the encoded labels stay below this. */
export const MAX_COMMENT_LENGTH = 1000;

/** Labels that must survive: without them a job cannot be found by run (cleanup) or told apart. */
const ESSENTIAL: readonly string[] = [CapstanLabel.Managed, CapstanLabel.RunId, CapstanLabel.UniqueName, CapstanLabel.Attempt];

/**
 * Labels as a job comment (`--comment`): `capstan:k=v;k=v`, with `%`, `;`, `=`, `|`, blanks, controls and anything
 * outside printable ASCII percent-encoded (UTF-8), so the comment is one safe token in squeue's `|`-separated output.
 * When the whole would pass {@link MAX_COMMENT_LENGTH}, the essential labels go first and others are left out whole
 * (never cut: a cut value would not match a selector).
 */
export function encodeCommentLabels(labels: Readonly<Record<string, string>>): string {
  const essentialFirst = Object.entries(labels).sort(([a], [b]) => Number(!ESSENTIAL.includes(a)) - Number(!ESSENTIAL.includes(b)));
  const ordered = essentialFirst.map(([key, value]) => `${escape(key)}=${escape(value)}`);
  let comment = COMMENT_PREFIX;
  for (const entry of ordered) {
    const next = comment === COMMENT_PREFIX ? `${comment}${entry}` : `${comment};${entry}`;
    if (next.length <= MAX_COMMENT_LENGTH) comment = next;
  }
  return comment;
}

/** The labels of a comment made by {@link encodeCommentLabels}, or undefined for any other comment. */
export function decodeCommentLabels(comment: string): Record<string, string> | undefined {
  if (!comment.startsWith(COMMENT_PREFIX)) return undefined;
  const body = comment.slice(COMMENT_PREFIX.length);
  if (body === '') return {};
  const labels: Record<string, string> = {};
  for (const pair of body.split(';')) {
    const equals = pair.indexOf('=');
    if (equals <= 0) return undefined;
    try {
      labels[decodeURIComponent(pair.slice(0, equals))] = decodeURIComponent(pair.slice(equals + 1));
    } catch {
      return undefined;
    }
  }
  return labels;
}

function escape(text: string): string {
  return Array.from(text)
    .map((character) => (/^[A-Za-z0-9._\-:/@+,~^!*()[\]{}#$&?'"`<>\\]$/.test(character) ? character : encodeURIComponent(character)))
    .join('');
}
