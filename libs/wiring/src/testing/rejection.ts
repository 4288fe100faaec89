import { CapstanError } from '@capstan/core-constraints';

/** The CapstanError a promise is rejected with; a success, or any other error, fails the test. */
export async function rejection(promise: Promise<unknown>): Promise<CapstanError> {
  const error: unknown = await promise.then(
    () => new Error('it succeeded'),
    (caught: unknown) => caught,
  );
  if (!(error instanceof CapstanError)) throw error;
  return error;
}
