import { type ResourceAmounts } from '@capstan/core-constraints';

/**
 * Amounts in the ledger's integer units: cpu in milli-cores, memory in bytes, GPUs as a count. Integers make every
 * sum and difference exact, so any number of 0.1-cpu acquire/release cycles returns usage to exactly zero.
 */
export interface LedgerUnits {
  readonly cpuMilli: number;
  readonly memory: number;
  readonly gpu: number;
}

/** One distinct request: identical requests share a key, and with it one FIFO line in the queue. */
export interface RequestShape extends LedgerUnits {
  readonly key: string;
  /**
   * The request as booked, in public units (cpu rounded up to whole milli-cores, memory to whole bytes): what leases
   * and events report. One frozen object per shape, shared by every task of the shape while they wait.
   */
  readonly amounts: ResourceAmounts;
}

/** Requests round up (a task never gets less than it asked for); capacities round down (never promise more). */
export type Rounding = 'up' | 'down';

/** Differences this small are decimal-to-binary noise (0.3 * 1000 = 300.00000000000006), not a real fraction. */
const roundingNoise = 1e-6;

function toWhole(value: number, rounding: Rounding): number {
  const nearest = Math.round(value);
  if (Math.abs(value - nearest) < roundingNoise) return nearest;
  return rounding === 'up' ? Math.ceil(value) : Math.floor(value);
}

export function toLedgerUnits(amounts: ResourceAmounts, rounding: Rounding): LedgerUnits {
  return {
    cpuMilli: toWhole(amounts.cpu * 1000, rounding),
    memory: toWhole(amounts.memory, rounding),
    gpu: amounts.gpu,
  };
}

export function toRequestShape(request: ResourceAmounts): RequestShape {
  const { cpuMilli, memory, gpu } = toLedgerUnits(request, 'up');
  return {
    key: `${cpuMilli}/${memory}/${gpu}`,
    cpuMilli,
    memory,
    gpu,
    amounts: Object.freeze(fromLedgerUnits({ cpuMilli, memory, gpu })),
  };
}

export function fromLedgerUnits(units: LedgerUnits): ResourceAmounts {
  return { cpu: units.cpuMilli / 1000, memory: units.memory, gpu: units.gpu };
}
