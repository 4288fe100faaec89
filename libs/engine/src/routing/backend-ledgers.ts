import { type AdmissionEvent, type Backend, type ResourceManager } from '@capstan/core-constraints';

/**
 * The resource ledgers of an engine with several backends, one per backend, each made when a task first goes to it
 * (from that backend's capacity): a backend that is down costs nothing until a task is routed to it, and then fails
 * that task alone. Without a factory every backend shares the one injected ledger, as a single-backend engine does.
 */
export class BackendLedgers {
  private readonly made = new Map<string, Promise<ResourceManager>>();
  private readonly unsubscribes: (() => void)[] = [];
  private readonly live: ResourceManager[] = [];

  constructor(
    private readonly shared: ResourceManager,
    private readonly make: ((backend: Backend) => Promise<ResourceManager>) | undefined,
    private readonly listener: (event: AdmissionEvent) => void,
  ) {}

  of(backend: Backend): Promise<ResourceManager> {
    if (this.make === undefined) return Promise.resolve(this.shared);
    const existing = this.made.get(backend.name);
    if (existing !== undefined) return existing;
    const making = this.make(backend).then((ledger) => {
      if (ledger !== this.shared) this.unsubscribes.push(ledger.onEvent(this.listener));
      this.live.push(ledger);
      return ledger;
    });
    // A backend whose capacity could not be read is asked again by its next task: a daemon may come back.
    making.catch(() => this.made.delete(backend.name));
    this.made.set(backend.name, making);
    return making;
  }

  /** Every ledger's queue: draining the engine leaves no task waiting on any backend. */
  dropQueued(reason: string): void {
    this.shared.dropQueued(reason);
    for (const ledger of this.live) if (ledger !== this.shared) ledger.dropQueued(reason);
  }

  close(): void {
    this.unsubscribes.splice(0).forEach((unsubscribe) => unsubscribe());
  }
}
