import { ObjectStoreFailure } from '@capstan/core-constraints';

const NOT_FOUND = new Set(['BlobNotFound', 'ContainerNotFound', 'ResourceNotFound']);
const DENIED = new Set(['AuthenticationFailed', 'AuthorizationFailure', 'AuthorizationPermissionMismatch', 'InsufficientAccountPermissions', 'AccountIsDisabled']);

interface RestErrorShape {
  readonly name?: unknown;
  readonly code?: unknown;
  readonly statusCode?: unknown;
  readonly cause?: unknown;
}

/**
 * An SDK failure as an ObjectStoreFailure. Only the error's code and HTTP status are used, never its message: the
 * SDK's messages can quote the request (its URL with a SAS token), and the task's client sees ours.
 */
export function azureFailure(error: unknown, what: string): ObjectStoreFailure {
  if (error instanceof ObjectStoreFailure) return error;
  const shape: RestErrorShape = typeof error === 'object' && error !== null ? error : {};
  const code = typeof shape.code === 'string' && /^[A-Za-z0-9_]{1,64}$/.test(shape.code) ? shape.code : null;
  const status = typeof shape.statusCode === 'number' ? shape.statusCode : null;
  const shown = [code, status === null ? null : `HTTP ${status}`].filter((part) => part !== null).join(', ') || String(shape.name ?? 'Error');
  if ((code !== null && NOT_FOUND.has(code)) || status === 404) {
    const thing = code === 'ContainerNotFound' ? 'container' : 'blob';
    return new ObjectStoreFailure('not_found', `${what}: the store has no such ${thing} (${shown})`, 'check the container and the blob name');
  }
  if ((code !== null && DENIED.has(code)) || status === 403 || status === 401) {
    return new ObjectStoreFailure('denied', `${what}: the store refused the server's credentials (${shown})`, 'ask the operator to check the credentials and their rights on this container');
  }
  const system = code !== null && /^E[A-Z0-9_]+$/.test(code) ? code : null;
  return new ObjectStoreFailure('failed', `${what}: the store could not be reached or failed (${shown})`, 'try again later; the operator can check the store\'s endpoint', { cause: system });
}
