import { ObjectStoreFailure } from '@capstan/core-constraints';
import { azureFailure } from './azure-failure';

// The SDK's RestError quotes the request, SAS token and all, in its message: only its code and status may show.
const restError = (code: string, statusCode?: number): Error =>
  Object.assign(new Error('PUT https://acct.blob.core.windows.net/c/b?sv=2021&sig=SECRETSIG failed'), { name: 'RestError', code, statusCode });

describe('azureFailure', () => {
  it.each([
    ['BlobNotFound', 404, 'not_found', 'no such blob'],
    ['ContainerNotFound', 404, 'not_found', 'no such container'],
    ['AuthenticationFailed', 403, 'denied', 'refused the server\'s credentials'],
    ['AuthorizationPermissionMismatch', 403, 'denied', 'refused the server\'s credentials'],
    ['InternalError', 500, 'failed', 'could not be reached or failed'],
  ])('reads %s (HTTP %d) as %s', (code, status, kind, words) => {
    const failure = azureFailure(restError(code, status), 'reading x');
    expect(failure).toMatchObject({ kind });
    expect(failure.message).toContain(words);
    expect(failure.message).toContain(code);
    expect(failure.message).not.toContain('SECRETSIG');
  });

  it('names a system error by its code only, and keeps it as the cause', () => {
    const failure = azureFailure(restError('ECONNREFUSED'), 'reading x');
    expect(failure).toMatchObject({ kind: 'failed', cause: 'ECONNREFUSED' });
    expect(failure.message).toContain('ECONNREFUSED');
    expect(failure.message).not.toContain('SECRETSIG');
  });

  it('shows no code that is not a plain word, and passes its own failures through', () => {
    const odd = azureFailure(restError('sig=SECRETSIG', 500), 'reading x');
    expect(odd.message).not.toContain('SECRETSIG');
    const own = new ObjectStoreFailure('refused', 'p', 'f');
    expect(azureFailure(own, 'x')).toBe(own);
  });
});
