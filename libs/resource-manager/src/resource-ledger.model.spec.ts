import fc from 'fast-check';
import { type Lease, type ResourceAmounts } from '@capstan/core-constraints';
import { amounts, LedgerProbe, settle } from './ledger-test-kit';
import { ResourceLedger } from './resource-ledger';

/**
 * The queue policy written the obvious, slow way: one array in arrival order, walked task by task. The ledger
 * (lines per shape, a heap, a fast path for newcomers) must admit exactly the same tasks in the same order.
 */
class ReferenceLedger {
  private readonly free: { cpu: number; memory: number; gpu: number; slots: number };
  private readonly parked: { name: string; request: ResourceAmounts }[] = [];
  private readonly held = new Map<string, ResourceAmounts>();
  readonly admitted: string[] = [];

  constructor(
    capacity: ResourceAmounts,
    maxConcurrentTasks: number,
    private readonly depth: number,
  ) {
    // The model's amounts are halves and wholes, exact in binary floating point, so plain arithmetic is exact here.
    this.free = { ...capacity, slots: maxConcurrentTasks };
  }

  acquire(name: string, request: ResourceAmounts): void {
    this.parked.push({ name, request });
    this.wake();
  }

  release(name: string): void {
    const request = this.held.get(name);
    if (request === undefined) return;
    this.held.delete(name);
    this.adjust(this.free, request, +1);
    this.wake();
  }

  abort(name: string): void {
    const index = this.parked.findIndex((task) => task.name === name);
    if (index < 0) return;
    this.parked.splice(index, 1);
    this.wake();
  }

  drop(): void {
    this.parked.length = 0;
  }

  private wake(): void {
    for (let head = this.parked[0]; head !== undefined && this.fits(this.free, head.request); head = this.parked[0]) {
      this.start(0);
    }
    const head = this.parked[0];
    if (head === undefined) return;
    const spare = {
      cpu: Math.max(0, this.free.cpu - head.request.cpu),
      memory: Math.max(0, this.free.memory - head.request.memory),
      gpu: Math.max(0, this.free.gpu - head.request.gpu),
      slots: Math.max(0, this.free.slots - 1),
    };
    const failedShapes = new Set<string>();
    for (let index = 0; index < this.parked.length && failedShapes.size < this.depth; ) {
      const task = this.parked[index];
      if (task === undefined) break;
      const shape = `${task.request.cpu}/${task.request.memory}/${task.request.gpu}`;
      if (!failedShapes.has(shape) && this.fits(spare, task.request)) {
        this.adjust(spare, task.request, -1);
        this.start(index);
      } else {
        failedShapes.add(shape);
        index += 1;
      }
    }
  }

  private fits(budget: typeof this.free, request: ResourceAmounts): boolean {
    return budget.slots >= 1 && request.cpu <= budget.cpu && request.memory <= budget.memory && request.gpu <= budget.gpu;
  }

  private adjust(budget: typeof this.free, request: ResourceAmounts, sign: 1 | -1): void {
    budget.cpu += sign * request.cpu;
    budget.memory += sign * request.memory;
    budget.gpu += sign * request.gpu;
    budget.slots += sign;
  }

  private start(index: number): void {
    const [task] = this.parked.splice(index, 1);
    if (task === undefined) return;
    this.adjust(this.free, task.request, -1);
    this.held.set(task.name, task.request);
    this.admitted.push(task.name);
  }
}

const shapes = [amounts(0.5, 1), amounts(1, 2), amounts(2, 1), amounts(4, 4), amounts(1, 1, 1), amounts(3, 2, 1), amounts(0, 0), amounts(1, 0), amounts(0.5, 0.5)];

const operation = fc.oneof(
  { weight: 25, arbitrary: fc.record({ kind: fc.constant('acquire' as const), shape: fc.nat(shapes.length - 1) }) },
  { weight: 15, arbitrary: fc.record({ kind: fc.constant('release' as const), pick: fc.nat() }) },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('abort' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'drop' as const }) },
);

const scenario = fc.record({
  capacityCores: fc.constantFrom(4, 6),
  depth: fc.constantFrom(1, 2, 3, 64),
  maxConcurrentTasks: fc.constantFrom(undefined, 2, 3),
  operations: fc.array(operation, { maxLength: 60 }),
});

function pick<T>(items: readonly T[], index: number): T | undefined {
  return items.length === 0 ? undefined : items[index % items.length];
}

describe('ResourceLedger against a reference model', () => {
  it('admits the same tasks in the same order, never beyond capacity, and returns to zero', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async ({ capacityCores, depth, maxConcurrentTasks, operations }) => {
        const capacity = amounts(capacityCores, 4, 1);
        const ledger = new ResourceLedger({ capacity, maxConcurrentTasks, backfillDepth: depth });
        const probe = new LedgerProbe(ledger);
        const model = new ReferenceLedger(capacity, maxConcurrentTasks ?? Infinity, depth);
        const leases = new Map<string, Lease>();
        const controllers = new Map<string, AbortController>();
        let count = 0;
        for (const op of operations) {
          if (op.kind === 'acquire') {
            const name = `t${count++}`;
            const request = shapes[op.shape] ?? amounts(1, 1);
            const controller = new AbortController();
            controllers.set(name, controller);
            ledger.acquire(name, request, controller.signal).then(
              (lease) => leases.set(name, lease),
              () => controllers.delete(name),
            );
            model.acquire(name, request);
          } else if (op.kind === 'release') {
            const name = pick([...leases.keys()], op.pick);
            if (name === undefined) continue;
            leases.get(name)?.release();
            leases.delete(name);
            model.release(name);
          } else if (op.kind === 'abort') {
            const waiting = [...controllers.keys()].filter((name) => !probe.admittedOrder.includes(name));
            const name = pick(waiting, op.pick);
            if (name === undefined) continue;
            controllers.get(name)?.abort();
            model.abort(name);
          } else {
            ledger.dropQueued('test');
            model.drop();
          }
          await settle();
          expect(probe.admittedOrder).toEqual(model.admitted);
          const { inUse, running } = ledger.snapshot();
          expect(running).toBeLessThanOrEqual(maxConcurrentTasks ?? Infinity);
          expect(inUse.cpu).toBeLessThanOrEqual(capacity.cpu);
          expect(inUse.memory).toBeLessThanOrEqual(capacity.memory);
          expect(inUse.gpu).toBeLessThanOrEqual(capacity.gpu);
        }
        ledger.dropQueued('end');
        for (const lease of leases.values()) lease.release();
        expect(ledger.snapshot()).toMatchObject({ running: 0, queued: 0, inUse: { cpu: 0, memory: 0, gpu: 0 } });
      }),
      { numRuns: 300 },
    );
  });
});
