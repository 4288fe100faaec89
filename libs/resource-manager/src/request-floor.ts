import { type LedgerUnits } from './ledger-units';

/**
 * Per-dimension lower bounds of the requests waiting in the queue. What is spare beyond the head's earmark is usually
 * less than the smallest waiting request in some dimension, and then a wake-up can skip the backfill scan outright.
 *
 * Bounds only ever need to be low enough: when a shape leaves the queue they are kept (still valid, just looser) and
 * recomputed once more shapes have left than are waiting, which keeps the upkeep O(1) amortised per shape.
 */
export class RequestFloor implements LedgerUnits {
  cpuMilli = Number.POSITIVE_INFINITY;
  memory = Number.POSITIVE_INFINITY;
  gpu = Number.POSITIVE_INFINITY;
  private shapesGone = 0;

  include(request: LedgerUnits): void {
    this.cpuMilli = Math.min(this.cpuMilli, request.cpuMilli);
    this.memory = Math.min(this.memory, request.memory);
    this.gpu = Math.min(this.gpu, request.gpu);
  }

  /** A shape left the queue; `waiting` are the shapes still there. */
  shapeGone(waiting: ReadonlyMap<string, { readonly shape: LedgerUnits }>): void {
    this.shapesGone += 1;
    if (this.shapesGone <= waiting.size) return;
    this.cpuMilli = this.memory = this.gpu = Number.POSITIVE_INFINITY;
    this.shapesGone = 0;
    for (const { shape } of waiting.values()) this.include(shape);
  }
}
