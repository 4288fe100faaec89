import { CapstanError } from '@capstan/core-constraints';
import { inspect } from 'node:util';

/** The CapstanError a promise rejects with (anything else, or a success, fails the test). */
export async function rejection(promise: Promise<unknown>): Promise<CapstanError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof CapstanError) return error;
    throw error;
  }
  throw new Error('expected the transfer to fail, but it succeeded');
}

/** Everything of an error that could reach a log: message, details, JSON, and the inspected error with its causes. */
export function everythingShown(error: CapstanError): string {
  return [error.message, JSON.stringify(error.details), JSON.stringify(error), inspect(error, { depth: 10 })].join('\n');
}
