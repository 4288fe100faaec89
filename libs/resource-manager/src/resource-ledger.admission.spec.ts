import { CapstanError, ErrorCode } from '@capstan/core-constraints';
import { GiB, amounts, LedgerProbe, settle } from './ledger-test-kit';
import { ResourceLedger } from './resource-ledger';

async function rejectionOf(promise: Promise<unknown>): Promise<CapstanError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  if (!(error instanceof CapstanError)) throw new Error(`expected a CapstanError, got ${String(error)}`);
  return error;
}

describe('ResourceLedger admission', () => {
  it('admits a request that fits at once, with the amounts asked for and no wait', async () => {
    const ledger = new ResourceLedger({ capacity: amounts(4, 16, 1) });
    const lease = await ledger.acquire('align', amounts(2, 8, 1));
    expect(lease.taskName).toBe('align');
    expect(lease.amounts).toEqual(amounts(2, 8, 1));
    expect(lease.waitedMs).toBe(0);
    expect(ledger.snapshot()).toEqual({ capacity: amounts(4, 16, 1), inUse: amounts(2, 8, 1), running: 1, queued: 0 });
  });

  it('rejects a request above the per-task maximum at once, naming task, resource, value, limit and the fix', async () => {
    const ledger = new ResourceLedger({ capacity: amounts(8, 128), perTaskMax: amounts(8, 32) });
    const error = await rejectionOf(ledger.acquire('assemble', amounts(2, 64)));
    expect(error.code).toBe(ErrorCode.AdmissionImpossible);
    expect(error.path).toBe('memory');
    expect(error.message).toContain('Task "assemble" can never start');
    expect(error.message).toContain(`64 GiB (${64 * GiB} bytes) of memory`);
    expect(error.message).toContain(`at most 32 GiB (${32 * GiB} bytes) of memory`);
    expect(error.message).toMatch(/Lower the task's request/);
    expect(ledger.snapshot().queued).toBe(0);
  });

  it('names every resource a request exceeds, cpu and GPUs with their units', async () => {
    const ledger = new ResourceLedger({ capacity: amounts(4, 16, 1) });
    const error = await rejectionOf(ledger.acquire('train', amounts(6, 1, 2)));
    expect(error.message).toContain('6 CPU cores but a single task can get at most 4 CPU cores');
    expect(error.message).toContain('2 GPUs but a single task can get at most 1 GPU');
    expect(error.details['excesses']).toEqual([
      { resource: 'cpu', requested: 6, limit: 4 },
      { resource: 'gpu', requested: 2, limit: 1 },
    ]);
  });

  it('rejects an impossible request even while the ledger is full, instead of parking it', async () => {
    const ledger = new ResourceLedger({ capacity: amounts(4, 16) });
    await ledger.acquire('hog', amounts(4, 16));
    await expect(ledger.acquire('huge', amounts(5, 1))).rejects.toMatchObject({ code: ErrorCode.AdmissionImpossible });
    expect(ledger.snapshot().queued).toBe(0);
  });

  it('rejects nonsense amounts with value.invalid', async () => {
    const ledger = new ResourceLedger({ capacity: amounts(4, 16, 1) });
    const error = await rejectionOf(ledger.acquire('bad', { cpu: -1, memory: 0, gpu: 0 }));
    expect(error.code).toBe(ErrorCode.InvalidValue);
    expect(error.path).toBe('request.cpu');
  });

  it('rejects with admission.aborted when the signal is already aborted', async () => {
    const ledger = new ResourceLedger({ capacity: amounts(4, 16) });
    const error = await rejectionOf(ledger.acquire('late', amounts(1, 1), AbortSignal.abort('run canceled')));
    expect(error.code).toBe(ErrorCode.AdmissionAborted);
    expect(error.message).toBe('Task "late" stopped waiting for resources: run canceled.');
    expect(ledger.snapshot()).toMatchObject({ running: 0, queued: 0 });
  });

  it('returns resources on release, once however often release or dispose is called', async () => {
    const ledger = new ResourceLedger({ capacity: amounts(4, 16) });
    const lease = await ledger.acquire('a', amounts(3, 4));
    lease.release();
    lease.release();
    lease[Symbol.dispose]();
    expect(ledger.snapshot()).toMatchObject({ inUse: amounts(0, 0), running: 0 });
    const probe = new LedgerProbe(ledger);
    {
      using scoped = await ledger.acquire('b', amounts(1, 1));
      expect(scoped.taskName).toBe('b');
    }
    expect(probe.eventsOf('released')).toHaveLength(1);
    expect(ledger.snapshot().running).toBe(0);
  });

  it('returns to exactly zero after many fractional-cpu acquire/release cycles', async () => {
    const ledger = new ResourceLedger({ capacity: { cpu: 1, memory: 1024, gpu: 0 } });
    for (let round = 0; round < 1000; round++) {
      const leases = await Promise.all(
        Array.from({ length: 7 }, (_, index) => ledger.acquire(`t${index}`, { cpu: 0.1, memory: 3, gpu: 0 })),
      );
      expect(ledger.snapshot().inUse.cpu).toBe(0.7);
      for (const lease of leases) lease.release();
    }
    expect(ledger.snapshot().inUse).toEqual({ cpu: 0, memory: 0, gpu: 0 });
  });

  it('fits ten 0.1-cpu tasks into one core exactly (no drift makes the tenth wait)', async () => {
    const ledger = new ResourceLedger({ capacity: { cpu: 1, memory: 1024, gpu: 0 } });
    const probe = new LedgerProbe(ledger);
    for (let index = 0; index < 11; index++) probe.request(`t${index}`, { cpu: 0.1, memory: 0, gpu: 0 });
    expect(probe.admittedOrder).toHaveLength(10);
    expect(ledger.snapshot().queued).toBe(1);
  });

  it('caps running tasks at maxConcurrentTasks', async () => {
    const ledger = new ResourceLedger({ capacity: amounts(16, 64), maxConcurrentTasks: 2 });
    const probe = new LedgerProbe(ledger);
    const [first] = ['a', 'b', 'c'].map((name) => probe.request(name, amounts(1, 1)));
    expect(probe.admittedOrder).toEqual(['a', 'b']);
    expect(probe.eventsOf('queued')).toEqual([expect.objectContaining({ taskName: 'c', short: ['tasks'], position: 0 })]);
    await settle();
    first?.granted.release();
    expect(probe.admittedOrder).toEqual(['a', 'b', 'c']);
  });

  describe('unlimited (the cluster schedules itself)', () => {
    it('admits everything at once, beyond the capacity, but still checks perTaskMax', async () => {
      const ledger = new ResourceLedger({ capacity: amounts(4, 16), perTaskMax: amounts(32, 256), unlimited: true });
      const leases = await Promise.all(Array.from({ length: 50 }, (_, index) => ledger.acquire(`t${index}`, amounts(32, 256))));
      expect(ledger.snapshot()).toMatchObject({ running: 50, queued: 0 });
      await expect(ledger.acquire('too-big', amounts(33, 1))).rejects.toMatchObject({ code: ErrorCode.AdmissionImpossible });
      for (const lease of leases) lease.release();
      expect(ledger.snapshot()).toMatchObject({ running: 0, inUse: amounts(0, 0) });
    });

    it('still honours maxConcurrentTasks when given', () => {
      const ledger = new ResourceLedger({ capacity: amounts(4, 16), unlimited: true, maxConcurrentTasks: 1 });
      const probe = new LedgerProbe(ledger);
      probe.request('a', amounts(1, 1));
      probe.request('b', amounts(1, 1));
      expect(probe.admittedOrder).toEqual(['a']);
      expect(ledger.snapshot().queued).toBe(1);
    });
  });
});
