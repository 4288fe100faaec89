import { type Lease, type ResourceAmounts } from '@capstan/core-constraints';
import { type RequestShape } from './ledger-units';

/** Where a lease hands its resources back; kept off the ledger's public surface. */
export interface LeaseReturn {
  returnLease(lease: LedgerLease): void;
}

export class LedgerLease implements Lease {
  readonly amounts: ResourceAmounts;
  private released = false;

  constructor(
    private readonly returnTo: LeaseReturn,
    readonly taskName: string,
    /** What the ledger booked, in its integer units, so the return is exactly what was taken. */
    readonly booked: RequestShape,
    readonly waitedMs: number,
    readonly admittedAt: number,
  ) {
    this.amounts = booked.amounts;
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    this.returnTo.returnLease(this);
  }

  [Symbol.dispose](): void {
    this.release();
  }
}
