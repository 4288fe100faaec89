import { CapstanError, ErrorCode, formatBytes, type ResourceAmounts } from '@capstan/core-constraints';

export type AccountedResource = keyof ResourceAmounts;

export const accountedResources: readonly AccountedResource[] = ['cpu', 'memory', 'gpu'];

/** One dimension in which a request is above what a single task can ever get. */
export interface Excess {
  readonly resource: AccountedResource;
  readonly requested: number;
  readonly limit: number;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/** An amount with its unit; memory both readable and exact, since the exact byte count is what the limit compares. */
export function describeAmount(resource: AccountedResource, amount: number): string {
  switch (resource) {
    case 'cpu':
      return plural(amount, 'CPU core');
    case 'memory':
      return `${formatBytes(amount)} (${amount} bytes) of memory`;
    case 'gpu':
      return plural(amount, 'GPU');
  }
}

export function admissionImpossible(taskName: string, excesses: readonly [Excess, ...Excess[]]): CapstanError {
  const parts = excesses.map(
    ({ resource, requested, limit }) =>
      `${describeAmount(resource, requested)} but a single task can get at most ${describeAmount(resource, limit)}`,
  );
  return new CapstanError(
    ErrorCode.AdmissionImpossible,
    `Task "${taskName}" can never start: it requests ${parts.join(', and ')}. ` +
      `Lower the task's request to fit, or run it where a task may have more (a larger per-task maximum or a bigger machine).`,
    { path: excesses[0].resource, details: { taskName, excesses } },
  );
}

export function admissionAborted(taskName: string, reason: string, cause?: unknown): CapstanError {
  return new CapstanError(ErrorCode.AdmissionAborted, `Task "${taskName}" stopped waiting for resources: ${reason}.`, {
    cause,
    details: { taskName, reason },
  });
}

/**
 * A signal's reason as text for events and messages. AbortController.abort() without a reason gives a DOMException,
 * which is not `instanceof Error` in every realm (jest's sandbox, for one): any object with a message counts.
 */
export function describeAbortReason(signal: AbortSignal): string {
  const reason: unknown = signal.reason;
  if (typeof reason === 'object' && reason !== null && 'message' in reason && typeof reason.message === 'string') {
    return reason.message;
  }
  if (reason === undefined) return 'aborted';
  return String(reason);
}
