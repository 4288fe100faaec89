import {
  type AdmissionEvent,
  type Lease,
  type ResourceAmounts,
  type ResourceManager,
  type ResourceManagerSnapshot,
} from '@capstan/core-constraints';
import { AbortWatch } from './abort-watch';
import { AdmissionEventHub } from './admission-event-hub';
import { admissionAborted, describeAbortReason } from './admission-errors';
import { AdmissionQueue } from './admission-queue';
import { Budget } from './budget';
import { checkAdmissible } from './check-admissible';
import { settingsFrom, type LedgerSettings, type ResourceLedgerOptions } from './ledger-options';
import { LedgerLease, type LeaseReturn } from './ledger-lease';
import { fromLedgerUnits, type RequestShape } from './ledger-units';
import { ParkedTask } from './parked-task';

/**
 * The resource manager of one machine (or one cluster): admits tasks first come, first served, with backfill that
 * never delays the head of the queue. The head holds a reservation on what is free, up to its request; a later
 * task may start before it only with what is spare beyond that reservation.
 *
 * Every public operation finishes its bookkeeping before any listener runs (see AdmissionEventHub).
 */
export class ResourceLedger implements ResourceManager {
  private readonly settings: LedgerSettings;
  private readonly queue = new AdmissionQueue();
  private readonly events: AdmissionEventHub;
  private readonly aborts = new AbortWatch((signal, tasks) => this.abortParked(signal, tasks));
  private readonly leaseReturn: LeaseReturn = { returnLease: (lease) => this.returnLease(lease) };
  private readonly startParkedTask = (task: ParkedTask): void => this.startParked(task);
  private nextSequence = 0;
  private cpuMilliInUse = 0;
  private memoryInUse = 0;
  private gpuInUse = 0;
  private running = 0;

  constructor(options: ResourceLedgerOptions) {
    this.settings = settingsFrom(options);
    this.events = new AdmissionEventHub(this.settings.onListenerError);
  }

  acquire(taskName: string, request: ResourceAmounts, signal?: AbortSignal): Promise<Lease> {
    let shape: RequestShape;
    try {
      shape = checkAdmissible(taskName, request, this.settings.perTaskMaxUnits, this.settings.perTaskMax);
    } catch (error) {
      return Promise.reject(error);
    }
    if (signal?.aborted) {
      return Promise.reject(admissionAborted(taskName, describeAbortReason(signal), signal.reason));
    }
    const requestedAt = this.settings.now();
    if (this.mayStartNow(shape)) {
      const lease = this.grant(taskName, shape, requestedAt, requestedAt);
      this.events.flush();
      return Promise.resolve(lease);
    }
    return this.park(taskName, shape, requestedAt, signal);
  }

  onEvent(listener: (event: AdmissionEvent) => void): () => void {
    return this.events.subscribe(listener);
  }

  dropQueued(reason: string): number {
    const dropped = this.queue.removeAll();
    for (const task of dropped) this.leaveQueue(task, reason, undefined);
    this.events.flush();
    return dropped.length;
  }

  snapshot(): ResourceManagerSnapshot {
    return {
      capacity: this.settings.capacity,
      inUse: fromLedgerUnits({ cpuMilli: this.cpuMilliInUse, memory: this.memoryInUse, gpu: this.gpuInUse }),
      running: this.running,
      queued: this.queue.size,
    };
  }

  private freeBudget(): Budget {
    const { limit } = this.settings;
    return new Budget(
      limit.cpuMilli - this.cpuMilliInUse,
      limit.memory - this.memoryInUse,
      limit.gpu - this.gpuInUse,
      limit.tasks - this.running,
    );
  }

  /** What a newcomer may use without delaying anyone: all that is free, less the head's earmark when tasks wait. */
  private budgetForNewcomer(): Budget {
    const budget = this.freeBudget();
    const head = this.queue.head();
    if (head !== null) budget.earmark(head.shape);
    return budget;
  }

  /**
   * A newcomer behind waiting tasks is a backfill candidate, and the last wake-up left nothing startable within the
   * backfill depth. So it may start now only if its shape is within the depth and fits beyond the head's earmark:
   * exactly what a wake-up would decide, without running one.
   */
  private mayStartNow(shape: RequestShape): boolean {
    if (this.queue.size > 0) {
      // Shortcut, no rule of its own: earlier tasks of the same shape did not fit, so neither does this one.
      if (this.queue.hasLineFor(shape.key)) return false;
      if (this.queue.shapeCount >= this.settings.backfillDepth) return false;
    }
    return this.budgetForNewcomer().fits(shape);
  }

  private park(taskName: string, shape: RequestShape, requestedAt: number, signal: AbortSignal | undefined): Promise<Lease> {
    const position = this.queue.size;
    const short = this.events.wanted ? this.budgetForNewcomer().shortOf(shape) : [];
    const sharedShape = this.queue.sharedShape(shape);
    return new Promise<Lease>((resolve, reject) => {
      const task = new ParkedTask(this.nextSequence++, taskName, sharedShape, requestedAt, signal, resolve, reject);
      this.queue.park(task);
      this.aborts.watch(task);
      this.events.raise({ type: 'queued', taskName, request: sharedShape.amounts, short, position });
      this.events.flush();
    });
  }

  private grant(taskName: string, shape: RequestShape, requestedAt: number, admittedAt: number): LedgerLease {
    this.cpuMilliInUse += shape.cpuMilli;
    this.memoryInUse += shape.memory;
    this.gpuInUse += shape.gpu;
    this.running += 1;
    const waitedMs = admittedAt - requestedAt;
    if (this.events.wanted) this.events.raise({ type: 'admitted', taskName, request: shape.amounts, waitedMs });
    return new LedgerLease(this.leaseReturn, taskName, shape, waitedMs, admittedAt);
  }

  private startParked(task: ParkedTask): void {
    this.aborts.forget(task);
    task.resolve(this.grant(task.taskName, task.shape, task.requestedAt, this.settings.now()));
  }

  private returnLease(lease: LedgerLease): void {
    this.cpuMilliInUse -= lease.booked.cpuMilli;
    this.memoryInUse -= lease.booked.memory;
    this.gpuInUse -= lease.booked.gpu;
    this.running -= 1;
    if (this.events.wanted) {
      const heldMs = this.settings.now() - lease.admittedAt;
      this.events.raise({ type: 'released', taskName: lease.taskName, request: lease.amounts, heldMs });
    }
    this.admitWaiting();
    this.events.flush();
  }

  /** The wake-up: start the head while it fits, then backfill what is spare beyond the head's earmark. */
  private admitWaiting(): void {
    let head = this.queue.head();
    while (head !== null && this.freeBudget().fits(head.shape)) {
      this.queue.remove(head);
      this.startParked(head);
      head = this.queue.head();
    }
    if (head === null) return;
    const spare = this.freeBudget();
    spare.earmark(head.shape);
    if (!spare.hasSlot) return;
    this.queue.backfill(this.settings.backfillDepth, spare, this.startParkedTask);
  }

  private abortParked(signal: AbortSignal, tasks: readonly ParkedTask[]): void {
    const reason = describeAbortReason(signal);
    for (const task of tasks) {
      this.queue.remove(task);
      this.leaveQueue(task, reason, signal.reason);
    }
    // The head may have left, and with it its earmark.
    this.admitWaiting();
    this.events.flush();
  }

  /** Rejects a task that left the queue without being admitted. */
  private leaveQueue(task: ParkedTask, reason: string, cause: unknown): void {
    this.aborts.forget(task);
    task.reject(admissionAborted(task.taskName, reason, cause));
    this.events.raise({ type: 'dropped', taskName: task.taskName, request: task.shape.amounts, reason });
  }
}
