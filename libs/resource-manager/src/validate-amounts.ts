import { CapstanError, ErrorCode, type ResourceAmounts } from '@capstan/core-constraints';
import { accountedResources } from './admission-errors';

const unitHints = {
  cpu: 'CPU cores, fractions allowed',
  memory: 'bytes',
  gpu: 'a whole number of GPUs',
} as const;

function invalid(path: string, message: string, value: unknown): CapstanError {
  return new CapstanError(ErrorCode.InvalidValue, message, { path, details: { value } });
}

/**
 * Throws `value.invalid` unless every amount is a finite number >= 0 and GPUs are whole. `label` is the dotted
 * place the amounts came from (`capacity`, `request`), used for the error's path and message.
 */
export function validateAmounts(amounts: ResourceAmounts, label: string): void {
  if (typeof amounts !== 'object' || amounts === null) {
    throw invalid(label, `${label} must be an object with cpu, memory and gpu, got ${String(amounts)}.`, amounts);
  }
  for (const resource of accountedResources) {
    const amount: unknown = amounts[resource];
    const path = `${label}.${resource}`;
    if (typeof amount !== 'number' || !Number.isFinite(amount) || amount < 0) {
      throw invalid(path, `${path} must be a finite number >= 0 (${unitHints[resource]}), got ${String(amount)}.`, amount);
    }
    if (resource === 'gpu' && !Number.isInteger(amount)) {
      throw invalid(path, `${path} must be a whole number: GPUs are not shared between tasks, got ${amount}.`, amount);
    }
  }
}
