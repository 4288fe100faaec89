import { type ResourceName } from '@capstan/core-constraints';
import { type LedgerUnits } from './ledger-units';

/**
 * What tasks may take right now, in ledger units (Infinity where nothing is accounted). One wake-up takes from it
 * as it starts tasks, so the checks within a wake-up see what the earlier starts left.
 */
export class Budget {
  constructor(
    private cpuMilli: number,
    private memory: number,
    private gpu: number,
    private slots: number,
  ) {}

  get hasSlot(): boolean {
    return this.slots >= 1;
  }

  fits(request: LedgerUnits): boolean {
    return this.slots >= 1 && request.cpuMilli <= this.cpuMilli && request.memory <= this.memory && request.gpu <= this.gpu;
  }

  take(request: LedgerUnits): void {
    this.cpuMilli -= request.cpuMilli;
    this.memory -= request.memory;
    this.gpu -= request.gpu;
    this.slots -= 1;
  }

  /**
   * Keeps back, in every dimension, what the head of the queue would take (up to what is there), so that whatever
   * backfills from the rest can never be what the head is waiting for.
   */
  earmark(request: LedgerUnits): void {
    this.cpuMilli = Math.max(0, this.cpuMilli - request.cpuMilli);
    this.memory = Math.max(0, this.memory - request.memory);
    this.gpu = Math.max(0, this.gpu - request.gpu);
    this.slots = Math.max(0, this.slots - 1);
  }

  /** The resources this budget lacks for `request`, for the `queued` event. */
  shortOf(request: LedgerUnits): ResourceName[] {
    const short: ResourceName[] = [];
    if (request.cpuMilli > this.cpuMilli) short.push('cpu');
    if (request.memory > this.memory) short.push('memory');
    if (request.gpu > this.gpu) short.push('gpu');
    if (this.slots < 1) short.push('tasks');
    return short;
  }
}
