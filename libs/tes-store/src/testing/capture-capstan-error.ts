import { CapstanError } from '@capstan/core-constraints';

/** For specs: the CapstanError that `run` throws; fails the test when it throws something else or nothing. */
export function captureCapstanError(run: () => unknown): CapstanError {
  try {
    run();
  } catch (error) {
    if (error instanceof CapstanError) return error;
    throw error;
  }
  throw new Error('expected a CapstanError, but the call returned');
}
