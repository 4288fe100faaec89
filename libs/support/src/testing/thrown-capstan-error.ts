import { CapstanError } from '@capstan/core-constraints';

/** The CapstanError `work` throws; anything else it throws, or nothing, fails the test. */
export function thrownCapstanError(work: () => unknown): CapstanError {
  try {
    work();
  } catch (error) {
    if (error instanceof CapstanError) return error;
    throw error;
  }
  throw new Error('expected a CapstanError, but nothing was thrown');
}
