import { type AdmissionEvent } from '@capstan/core-constraints';
import { amounts, LedgerProbe, settle } from './ledger-test-kit';
import { ResourceLedger } from './resource-ledger';

/** A clock the test moves by hand. */
function manualClock(): { now: () => number; advance: (ms: number) => void } {
  let time = 1000;
  return { now: () => time, advance: (ms) => (time += ms) };
}

describe('ResourceLedger events', () => {
  it('reports queued (short resources, position), admitted (waitedMs) and released (heldMs), each with the task', async () => {
    const clock = manualClock();
    const probe = new LedgerProbe(new ResourceLedger({ capacity: amounts(4, 16, 1), now: clock.now }));
    const first = probe.request('first', amounts(4, 1));
    probe.request('second', amounts(1, 20 - 8, 1));
    clock.advance(250);
    await settle();
    first.granted.release();
    expect(probe.events).toEqual([
      { type: 'admitted', taskName: 'first', request: amounts(4, 1), waitedMs: 0 },
      { type: 'queued', taskName: 'second', request: amounts(1, 12, 1), short: ['cpu'], position: 0 },
      { type: 'released', taskName: 'first', request: amounts(4, 1), heldMs: 250 },
      { type: 'admitted', taskName: 'second', request: amounts(1, 12, 1), waitedMs: 250 },
    ]);
  });

  it('lists every resource that is short', () => {
    const probe = new LedgerProbe(new ResourceLedger({ capacity: amounts(4, 16, 1), maxConcurrentTasks: 1 }));
    probe.request('hog', amounts(4, 16, 1));
    probe.request('waiting', amounts(1, 1, 1));
    expect(probe.eventsOf('queued')).toEqual([expect.objectContaining({ short: ['cpu', 'memory', 'gpu', 'tasks'] })]);
  });

  it('stops delivering to a listener once unsubscribed', () => {
    const ledger = new ResourceLedger({ capacity: amounts(4, 16) });
    const seen: AdmissionEvent[] = [];
    const unsubscribe = ledger.onEvent((event) => seen.push(event));
    void ledger.acquire('a', amounts(1, 1));
    unsubscribe();
    void ledger.acquire('b', amounts(1, 1));
    expect(seen.map((event) => event.taskName)).toEqual(['a']);
  });

  it('survives a listener that throws: others still get the event, the error is reported, admission goes on', async () => {
    const reported: unknown[] = [];
    const ledger = new ResourceLedger({ capacity: amounts(1, 16), onListenerError: (error) => reported.push(error) });
    ledger.onEvent(() => {
      throw new Error('listener bug');
    });
    const probe = new LedgerProbe(ledger);
    const lease = await ledger.acquire('a', amounts(1, 1));
    const next = probe.request('b', amounts(1, 1));
    lease.release();
    await settle();
    expect(next.lease).toBeDefined();
    expect(probe.admittedOrder).toEqual(['a', 'b']);
    // admitted a, queued b, released a, admitted b: each reported once.
    expect(reported).toHaveLength(4);
    expect(reported[0]).toEqual(new Error('listener bug'));
  });

  it('carries on even when the error reporter throws too', async () => {
    const ledger = new ResourceLedger({
      capacity: amounts(1, 16),
      onListenerError: () => {
        throw new Error('reporter bug');
      },
    });
    ledger.onEvent(() => {
      throw new Error('listener bug');
    });
    await expect(ledger.acquire('a', amounts(1, 1))).resolves.toMatchObject({ taskName: 'a' });
  });

  it('warns through the process by default when a listener throws', async () => {
    const warning = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      const ledger = new ResourceLedger({ capacity: amounts(1, 16) });
      ledger.onEvent(() => {
        throw new Error('listener bug');
      });
      await ledger.acquire('a', amounts(1, 1));
      expect(warning).toHaveBeenCalledWith(expect.stringContaining("threw on a 'admitted' event: Error: listener bug"));
    } finally {
      warning.mockRestore();
    }
  });

  it('lets a listener call back into the ledger, delivering the events it causes after the current one, in order', async () => {
    const ledger = new ResourceLedger({ capacity: amounts(2, 16) });
    const order: string[] = [];
    const x = await ledger.acquire('x', amounts(1, 1));
    ledger.onEvent((event) => {
      order.push(`${event.type}:${event.taskName}`);
      // A release from inside an event: its wake-up admits c, and its events follow the one being delivered.
      if (event.type === 'admitted' && event.taskName === 'b') x.release();
    });
    const a = await ledger.acquire('a', amounts(1, 1));
    const b = ledger.acquire('b', amounts(1, 1));
    const c = ledger.acquire('c', amounts(1, 1));
    a.release();
    await Promise.all([b, c]);
    expect(order).toEqual(['admitted:a', 'queued:b', 'queued:c', 'released:a', 'admitted:b', 'released:x', 'admitted:c']);
    expect(ledger.snapshot()).toMatchObject({ running: 2, queued: 0, inUse: amounts(2, 2) });
  });
});
