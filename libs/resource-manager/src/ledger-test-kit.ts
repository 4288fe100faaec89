// Helpers shared by the ledger's specs (not exported from the library).
import { type AdmissionEvent, type Lease, type ResourceAmounts, type ResourceManager } from '@capstan/core-constraints';

export const GiB = 1024 ** 3;

export function amounts(cpu: number, memoryGiB = 0, gpu = 0): ResourceAmounts {
  return { cpu, memory: memoryGiB * GiB, gpu };
}

/** Lets pending promise callbacks run (leases reach their holders, rejections their catchers). */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** One acquire, observed: its lease or error once settled. */
export class Admission {
  lease: Lease | undefined;
  error: unknown;

  constructor(
    readonly taskName: string,
    promise: Promise<Lease>,
  ) {
    promise.then(
      (lease) => (this.lease = lease),
      (error: unknown) => (this.error = error),
    );
  }

  /** The lease, which must have been granted (call after `settle`). */
  get granted(): Lease {
    if (this.lease === undefined) throw new Error(`${this.taskName} has not been admitted`);
    return this.lease;
  }
}

/** Drives a ledger in a test: requests by name, and records events and the order of admissions as they happen. */
export class LedgerProbe {
  readonly events: AdmissionEvent[] = [];

  constructor(readonly ledger: ResourceManager) {
    ledger.onEvent((event) => this.events.push(event));
  }

  /** Task names in the order they were admitted (synchronously, from the events). */
  get admittedOrder(): string[] {
    return this.events.filter((event) => event.type === 'admitted').map((event) => event.taskName);
  }

  request(taskName: string, request: ResourceAmounts, signal?: AbortSignal): Admission {
    return new Admission(taskName, this.ledger.acquire(taskName, request, signal));
  }

  eventsOf(type: AdmissionEvent['type']): AdmissionEvent[] {
    return this.events.filter((event) => event.type === type);
  }
}
