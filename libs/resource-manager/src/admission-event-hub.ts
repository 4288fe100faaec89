import { type AdmissionEvent } from '@capstan/core-constraints';

type Listener = (event: AdmissionEvent) => void;

/**
 * Delivers admission events to listeners, but only once the ledger's state is consistent again: events raised
 * during an operation wait in `pending` until `flush`. So a listener may call back into the ledger (release a
 * lease, abort a signal) without ever seeing, or disturbing, a half-done wake-up. A listener that throws is
 * reported and skipped; the others still get the event.
 */
export class AdmissionEventHub {
  // Wrapped in an object each, so subscribing the same function twice gives two independent subscriptions.
  private readonly listeners = new Set<{ readonly listener: Listener }>();
  private readonly pending: AdmissionEvent[] = [];
  private flushing = false;

  constructor(private readonly onListenerError: (error: unknown, event: AdmissionEvent) => void) {}

  /** False when nobody listens: callers then skip building events at all (the hot path of a busy ledger). */
  get wanted(): boolean {
    return this.listeners.size > 0;
  }

  subscribe(listener: Listener): () => void {
    const subscription = { listener };
    this.listeners.add(subscription);
    return () => {
      this.listeners.delete(subscription);
    };
  }

  raise(event: AdmissionEvent): void {
    if (this.wanted) this.pending.push(event);
  }

  flush(): void {
    // A listener that calls back into the ledger lands here again; the outer loop delivers what it raised, in order.
    if (this.flushing) return;
    this.flushing = true;
    try {
      for (let index = 0; index < this.pending.length; index++) {
        const event = this.pending[index];
        if (event !== undefined) this.deliver(event);
      }
    } finally {
      this.pending.length = 0;
      this.flushing = false;
    }
  }

  private deliver(event: AdmissionEvent): void {
    for (const { listener } of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        this.report(error, event);
      }
    }
  }

  private report(error: unknown, event: AdmissionEvent): void {
    try {
      this.onListenerError(error, event);
    } catch {
      // The error reporter failed too; there is nobody left to tell, and the ledger must carry on.
    }
  }
}
