import { type Lease } from '@capstan/core-constraints';
import { type RequestShape } from './ledger-units';
import { type ShapeLine } from './shape-line';

/** A task waiting for resources: a node in the FIFO line of its request shape (doubly linked for O(1) removal). */
export class ParkedTask {
  previous: ParkedTask | null = null;
  next: ParkedTask | null = null;
  /** The line the task waits in; null once it has left the queue (admitted, aborted or dropped). */
  line: ShapeLine | null = null;

  constructor(
    /** Global arrival number: lower means queued earlier (first come, first served). */
    readonly sequence: number,
    readonly taskName: string,
    /** Shared with the other tasks in its line (see AdmissionQueue.sharedShape). */
    readonly shape: RequestShape,
    readonly requestedAt: number,
    readonly signal: AbortSignal | undefined,
    readonly resolve: (lease: Lease) => void,
    readonly reject: (error: Error) => void,
  ) {}
}
