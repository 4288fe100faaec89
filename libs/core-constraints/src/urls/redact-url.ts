/**
 * Query parameter names that carry secrets, matched anywhere in the name, case-insensitively: signatures (sig,
 * signature, X-Amz-Signature, X-Goog-Signature, Azure SAS's sig), tokens (token, access_token, X-Amz-Security-Token),
 * keys (api_key, key), secrets, passwords (password, passwd, pwd), credentials (X-Amz-Credential), auth, session and
 * cookie. docs/security.md lists them for operators.
 */
const SECRET_PARAMETER = /sig|token|secret|passw|pwd|key|credential|auth|session|cookie/i;

const HIDDEN = '***';

/**
 * A URL safe to show in logs, errors and events: user info becomes `***@`, query parameters whose names look like
 * credentials (X-Amz-Signature, sig, token, api_key, ...) keep their name with the value `***`, and a fragment is
 * hidden. Other parameters and the path are kept, so the address can still be recognised.
 */
export function redactUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return redactUnparsed(value);
  }
  const hadUserInfo = url.username !== '' || url.password !== '';
  const rawQuery = url.search;
  const hadFragment = url.hash !== '';
  url.username = '';
  url.password = '';
  url.search = '';
  url.hash = '';
  let shown = url.href;
  if (hadUserInfo) shown = shown.replace(/^([a-z][a-z0-9+.-]*:\/\/)/i, `$1${HIDDEN}@`);
  return shown + redactQuery(rawQuery) + (hadFragment ? `#${HIDDEN}` : '');
}

function redactQuery(query: string): string {
  if (query === '' || query === '?') return '';
  const parts = query.slice(1).split('&').map((part) => {
    const equals = part.indexOf('=');
    if (equals < 0) return looksOpaque(part) ? HIDDEN : part;
    const name = part.slice(0, equals);
    return SECRET_PARAMETER.test(decoded(name)) ? `${name}=${HIDDEN}` : part;
  });
  return `?${parts.join('&')}`;
}

function decoded(raw: string): string {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    return raw; // a malformed escape: match on the raw text
  }
}

/** A bare query word with no `=` (`?AbC123...`) is taken for a token unless it is short, plain letters. */
function looksOpaque(part: string): boolean {
  const word = decoded(part);
  return SECRET_PARAMETER.test(word) || /[^a-z_-]/i.test(word) || word.length > 24;
}

/** Text that is not a URL (a plain path, a typo): remove anything that looks like user info, hide the query. */
function redactUnparsed(value: string): string {
  return value
    .replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#]*@/i, `$1${HIDDEN}@`)
    .replace(/[?#].*$/s, `?${HIDDEN}`);
}
