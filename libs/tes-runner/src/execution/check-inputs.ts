import { type ExecutionRequest } from '@capstan/core-constraints';
import { assertInputExists } from '@capstan/support';
import { pathToFileURL } from 'node:url';

/**
 * Inputs sent as their own file:// URL must exist here, since the server is meant to read this very filesystem: a
 * missing one fails before anything is submitted, as on the other backends, instead of as a SYSTEM_ERROR later.
 * Inputs under a path mapping are left to the server, which may see files this machine does not.
 */
export async function checkLocalInputs(request: ExecutionRequest, urlOf: (hostPath: string) => string): Promise<void> {
  for (const [index, input] of request.inputs.entries()) {
    if (urlOf(input.hostPath) !== pathToFileURL(input.hostPath).href) continue;
    await assertInputExists(input, index);
  }
}
