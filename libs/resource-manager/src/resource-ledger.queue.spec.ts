import { type Lease } from '@capstan/core-constraints';
import { amounts, LedgerProbe, settle, type Admission } from './ledger-test-kit';
import { ResourceLedger } from './resource-ledger';

function probeOf(...options: ConstructorParameters<typeof ResourceLedger>): LedgerProbe {
  return new LedgerProbe(new ResourceLedger(...options));
}

describe('ResourceLedger queue policy', () => {
  it('admits parked tasks first come, first served', async () => {
    const probe = probeOf({ capacity: amounts(4, 16) });
    const hog = probe.request('hog', amounts(4, 1));
    for (const name of ['a', 'b', 'c']) probe.request(name, amounts(2, 1));
    expect(probe.ledger.snapshot().queued).toBe(3);
    await settle();
    hog.granted.release();
    expect(probe.admittedOrder).toEqual(['hog', 'a', 'b']);
  });

  it('earmarks free resources for the head, so a small task cannot take what the big head waits for', () => {
    const probe = probeOf({ capacity: amounts(4, 16) });
    probe.request('running', amounts(2, 1));
    probe.request('big', amounts(4, 1));
    probe.request('small', amounts(1, 1));
    expect(probe.admittedOrder).toEqual(['running']);
    expect(probe.eventsOf('queued')).toEqual([
      expect.objectContaining({ taskName: 'big', short: ['cpu'], position: 0 }),
      expect.objectContaining({ taskName: 'small', short: ['cpu'], position: 1 }),
    ]);
  });

  it('earmarks in every dimension: memory the head needs is not backfilled, cpu it does not need is', () => {
    const probe = probeOf({ capacity: amounts(4, 16) });
    probe.request('running', amounts(1, 12));
    probe.request('head', amounts(1, 8));
    probe.request('needs-memory', amounts(1, 4));
    probe.request('cpu-only', amounts(1, 0));
    expect(probe.admittedOrder).toEqual(['running', 'cpu-only']);
    expect(probe.eventsOf('queued')).toEqual([
      expect.objectContaining({ taskName: 'head', short: ['memory'] }),
      expect.objectContaining({ taskName: 'needs-memory', short: ['memory'] }),
    ]);
  });

  it('backfills behind a head waiting for a GPU, and starts the head as soon as the GPU is back', async () => {
    const probe = probeOf({ capacity: amounts(4, 16, 1) });
    const gpuHolder = probe.request('gpu-holder', amounts(1, 1, 1));
    probe.request('gpu-head', amounts(1, 1, 1));
    probe.request('fits-beside', amounts(2, 1));
    probe.request('too-much', amounts(2, 1));
    expect(probe.admittedOrder).toEqual(['gpu-holder', 'fits-beside']);
    await settle();
    gpuHolder.granted.release();
    expect(probe.admittedOrder).toEqual(['gpu-holder', 'fits-beside', 'gpu-head']);
  });

  it('backfills earliest-queued first, even when later smaller tasks would start more tasks', async () => {
    const probe = probeOf({ capacity: amounts(4, 16, 1) });
    probe.request('gpu-holder', amounts(1, 1, 1));
    const cpuHolder = probe.request('cpu-holder', amounts(3, 1));
    probe.request('gpu-head', amounts(1, 1, 1));
    probe.request('two-cores', amounts(2, 1));
    probe.request('one-core', amounts(1, 1));
    probe.request('one-core-too', amounts(1, 2));
    await settle();
    cpuHolder.granted.release();
    // Spare beyond the head's 1-core earmark is 2 cores: the earliest candidate gets them, not the two later ones.
    expect(probe.admittedOrder).toEqual(['gpu-holder', 'cpu-holder', 'two-cores']);
  });

  it.each([
    ['every shape within the depth', 64],
    ['more shapes than the depth', 2],
  ])('starts several backfill candidates of different shapes in arrival order (%s)', async (_case, backfillDepth) => {
    const probe = probeOf({ capacity: amounts(4, 16, 1), backfillDepth });
    probe.request('gpu-holder', amounts(1, 1, 1));
    const cpuHolder = probe.request('cpu-holder', amounts(3, 1));
    probe.request('gpu-head', amounts(1, 1, 1));
    probe.request('earlier', amounts(1, 2));
    probe.request('later', amounts(1, 1));
    await settle();
    cpuHolder.granted.release();
    expect(probe.admittedOrder).toEqual(['gpu-holder', 'cpu-holder', 'earlier', 'later']);
  });

  it('does not starve a large task under a stream of small ones (unlike a count-maximising knapsack)', async () => {
    const probe = probeOf({ capacity: amounts(4, 16) });
    const running: Admission[] = ['s0', 's1', 's2', 's3'].map((name) => probe.request(name, amounts(1, 1)));
    const big = probe.request('big', amounts(4, 1));
    let releases = 0;
    let arrivals = 4;
    while (big.lease === undefined && releases < 100) {
      await settle();
      const oldest = running.find((admission) => admission.lease !== undefined);
      if (oldest === undefined) break;
      running.splice(running.indexOf(oldest), 1);
      // Two small tasks arrive for every one that finishes: there is always a small task ready to take a core.
      for (let count = 0; count < 2; count++) running.push(probe.request(`s${arrivals++}`, amounts(1, 1)));
      oldest.granted.release();
      releases += 1;
      await settle();
    }
    expect(big.lease).toBeDefined();
    expect(releases).toBe(4);
    const order = probe.admittedOrder;
    expect(order.slice(0, 5)).toEqual(['s0', 's1', 's2', 's3', 'big']);
  });

  describe('backfill depth', () => {
    // cpu-holder's release leaves 2 cores spare beyond the GPU head's earmark; only `fits` (the third shape in queue
    // order) can use them.
    async function backfilledWithDepth(backfillDepth: number): Promise<string[]> {
      const probe = probeOf({ capacity: amounts(4, 16, 1), backfillDepth });
      probe.request('gpu-holder', amounts(1, 1, 1));
      const cpuHolder = probe.request('cpu-holder', amounts(3, 1));
      probe.request('gpu-head', amounts(1, 1, 1));
      probe.request('three-cores', amounts(3, 1));
      probe.request('fits', amounts(2, 2));
      probe.request('one-core', amounts(1, 3));
      await settle();
      cpuHolder.granted.release();
      return probe.admittedOrder.slice(2);
    }

    it('looks only as many shapes deep as the depth (queue-ordered wake-up)', async () => {
      expect(await backfilledWithDepth(2)).toEqual([]);
      expect(await backfilledWithDepth(3)).toEqual(['fits']);
    });

    it('finds the same candidate with every shape within the depth (cheap wake-up)', async () => {
      expect(await backfilledWithDepth(64)).toEqual(['fits']);
    });

    it('parks a newcomer beyond the depth even if it would fit', () => {
      const probe = probeOf({ capacity: amounts(4, 16, 1), backfillDepth: 2 });
      probe.request('gpu-holder', amounts(1, 1, 1));
      probe.request('gpu-head', amounts(1, 1, 1));
      probe.request('four-cores', amounts(4, 1));
      probe.request('one-core', amounts(1, 1));
      expect(probe.admittedOrder).toEqual(['gpu-holder']);
      expect(probe.eventsOf('queued').at(-1)).toMatchObject({ taskName: 'one-core', short: [], position: 2 });
    });

    it('with depth 1 never lets a task pass the head', () => {
      const probe = probeOf({ capacity: amounts(4, 16, 1), backfillDepth: 1 });
      probe.request('gpu-holder', amounts(1, 1, 1));
      probe.request('gpu-head', amounts(1, 1, 1));
      probe.request('one-core', amounts(1, 1));
      expect(probe.admittedOrder).toEqual(['gpu-holder']);
    });
  });

  it('drains 20,000 tasks of all-distinct shapes back to zero usage', async () => {
    const ledger = new ResourceLedger({ capacity: amounts(8, 64) });
    const probe = new LedgerProbe(ledger);
    const blocker = await ledger.acquire('blocker', amounts(8, 64));
    const done: Promise<void>[] = [];
    for (let index = 0; index < 20_000; index++) {
      const request = { cpu: 1 + (index % 7), memory: 1024 * 1024 + index, gpu: 0 };
      done.push(ledger.acquire(`t${index}`, request).then((lease: Lease) => lease.release()));
    }
    expect(ledger.snapshot().queued).toBe(20_000);
    blocker.release();
    await Promise.all(done);
    expect(ledger.snapshot()).toMatchObject({ running: 0, queued: 0, inUse: { cpu: 0, memory: 0, gpu: 0 } });
    expect(probe.admittedOrder).toHaveLength(20_001);
  });
});
