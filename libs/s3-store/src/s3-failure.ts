import { ObjectStoreFailure } from '@capstan/core-constraints';

const NOT_FOUND = new Set(['NoSuchKey', 'NotFound', 'NoSuchBucket']);
const DENIED = new Set(['AccessDenied', 'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'InvalidToken', 'ExpiredToken', 'Forbidden', 'AllAccessDisabled']);

/**
 * An SDK failure as an ObjectStoreFailure. Only the error's name, HTTP status and system code are used, never its
 * message: a store's messages can quote the request (a signed URL, the access key), and the task's client sees ours.
 */
export function s3Failure(error: unknown, what: string): ObjectStoreFailure {
  if (error instanceof ObjectStoreFailure) return error;
  const name = stringField(error, 'name') ?? 'Error';
  const status = numberField(stringOrObject(error, '$metadata'), 'httpStatusCode');
  const shown = status === null ? name : `${name} (HTTP ${status})`;
  if (NOT_FOUND.has(name) || status === 404) {
    return new ObjectStoreFailure('not_found', `${what}: the store has no such ${name === 'NoSuchBucket' ? 'bucket' : 'object'} (${shown})`, 'check the bucket and key');
  }
  if (DENIED.has(name) || status === 403 || status === 401) {
    return new ObjectStoreFailure('denied', `${what}: the store refused the server's credentials (${shown})`, 'ask the operator to check the credentials and their rights on this bucket');
  }
  if (name === 'CredentialsProviderError') {
    return new ObjectStoreFailure('denied', `${what}: the server has no credentials for the store`, 'ask the operator to set the transfer\'s key pair or the standard AWS credential chain');
  }
  const code = systemCode(error);
  const reason = code === null ? shown : `${code}, ${shown}`;
  return new ObjectStoreFailure('failed', `${what}: the store could not be reached or failed (${reason})`, 'try again later; the operator can check the store\'s endpoint', { cause: code });
}

function systemCode(error: unknown): string | null {
  for (let current: unknown = error, depth = 0; typeof current === 'object' && current !== null && depth < 4; current = (current as { cause?: unknown }).cause, depth += 1) {
    const code = stringField(current, 'code');
    if (code !== null && /^E[A-Z0-9_]+$/.test(code)) return code;
  }
  return null;
}

function stringOrObject(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

function stringField(value: unknown, key: string): string | null {
  const field = stringOrObject(value, key);
  return typeof field === 'string' ? field : null;
}

function numberField(value: unknown, key: string): number | null {
  const field = stringOrObject(value, key);
  return typeof field === 'number' ? field : null;
}
