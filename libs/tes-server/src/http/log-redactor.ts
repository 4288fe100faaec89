const REDACTED = '[REDACTED]';

/** `scheme://user:password@host`: the user information of any URL. */
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@"'<>]+@/gi;
/** Query parameters that carry credentials: presigned S3 and GCS URLs, Azure SAS signatures, API keys. */
const SECRET_QUERY = /([?&](?:x-amz-signature|x-amz-credential|x-amz-security-token|x-goog-signature|x-goog-credential|signature|sig|token|access_token|id_token|api_key|apikey|key|password|secret)=)[^&\s"'#<>]+/gi;
/**
 * The credentials of an Authorization header quoted in some message (`Bearer 3f9a...`, `Basic dXNlcjpw...`): the
 * scheme spelt as in the header, then at least 8 token characters, so that prose ("a bearer token") stays readable.
 */
const AUTH_SCHEME = /\b(Bearer|Basic)(\s+)[A-Za-z0-9._~+/=-]{8,}/g;

/**
 * Removes secrets from a log line before it is written: the server's own bearer tokens wherever they appear, URL
 * credentials (user information and signature-like query parameters) and the credentials after an auth scheme name.
 * The last line of defence; the request log already leaves headers and query strings out.
 */
export class LogRedactor {
  private readonly secrets: readonly string[];

  constructor(secrets: readonly string[]) {
    // Longest first, so a token that contains another is removed whole.
    this.secrets = [...secrets].filter((secret) => secret !== '').sort((a, b) => b.length - a.length);
  }

  redact(text: string): string {
    // Each pattern runs only where the text holds what it needs to match ("://", "=", the scheme's name): nearly every
    // line, one per request, holds none of them.
    let clean = text;
    for (const secret of this.secrets) if (clean.includes(secret)) clean = clean.split(secret).join(REDACTED);
    if (clean.includes('://')) clean = clean.replace(URL_USERINFO, `$1${REDACTED}@`);
    if (clean.includes('=')) clean = clean.replace(SECRET_QUERY, `$1${REDACTED}`);
    if (clean.includes('Bearer') || clean.includes('Basic')) clean = clean.replace(AUTH_SCHEME, `$1$2${REDACTED}`);
    return clean;
  }
}
