import { CapstanError, ErrorCode, type ExecutionInput } from '@capstan/core-constraints';
import { access } from 'node:fs/promises';

/** What the check reads of an input: its host path, and its guest path to name it in the error. */
export type CheckedInput = Pick<ExecutionInput, 'hostPath'> & Partial<Pick<ExecutionInput, 'guestPath'>>;

/**
 * Fails before anything is created when input number `index` has no host path, naming it: a missing input found
 * by a backend is the task's mistake (`value.invalid`), not a backend failure to retry. A link that leads nowhere
 * counts as missing (access follows links).
 */
export async function assertInputExists(input: CheckedInput, index: number): Promise<void> {
  try {
    await access(input.hostPath);
  } catch (error) {
    throw new CapstanError(ErrorCode.InvalidValue, `input ${input.hostPath} does not exist; check the input's source`, {
      path: `inputs.${index}`,
      cause: error,
      details: { value: input.hostPath, ...(input.guestPath === undefined ? {} : { guestPath: input.guestPath }) },
    });
  }
}

/** {@link assertInputExists} for every input of a request, in order: the first missing one is named. */
export async function assertInputsExist(request: { readonly inputs: readonly CheckedInput[] }): Promise<void> {
  for (const [index, input] of request.inputs.entries()) await assertInputExists(input, index);
}
