import { CapstanError, ErrorCode } from '@capstan/core-constraints';
import { amounts, LedgerProbe, settle } from './ledger-test-kit';
import { ResourceLedger } from './resource-ledger';

/** An AbortController whose signal counts the abort listeners added and not yet removed. */
function countedController(): { controller: AbortController; listeners: () => number } {
  const controller = new AbortController();
  let live = 0;
  const add = controller.signal.addEventListener.bind(controller.signal);
  const remove = controller.signal.removeEventListener.bind(controller.signal);
  controller.signal.addEventListener = (...args: Parameters<AbortSignal['addEventListener']>) => {
    live += 1;
    add(...args);
  };
  controller.signal.removeEventListener = (...args: Parameters<AbortSignal['removeEventListener']>) => {
    live -= 1;
    remove(...args);
  };
  return { controller, listeners: () => live };
}

describe('ResourceLedger abort and drop', () => {
  it('takes an aborted parked task out of the queue at once, rejecting it and emitting dropped', async () => {
    const probe = new LedgerProbe(new ResourceLedger({ capacity: amounts(4, 16) }));
    probe.request('hog', amounts(4, 1));
    const controller = new AbortController();
    const waiting = probe.request('waiting', amounts(1, 1), controller.signal);
    controller.abort('user canceled');
    expect(probe.ledger.snapshot()).toMatchObject({ queued: 0, running: 1, inUse: amounts(4, 1) });
    expect(probe.eventsOf('dropped')).toEqual([
      { type: 'dropped', taskName: 'waiting', request: amounts(1, 1), reason: 'user canceled' },
    ]);
    await settle();
    expect(waiting.error).toBeInstanceOf(CapstanError);
    expect(waiting.error).toMatchObject({ code: ErrorCode.AdmissionAborted });
  });

  it('lets the next task in when the aborted one was the head holding the earmark', () => {
    const probe = new LedgerProbe(new ResourceLedger({ capacity: amounts(4, 16) }));
    probe.request('running', amounts(2, 1));
    const controller = new AbortController();
    probe.request('big-head', amounts(4, 1), controller.signal);
    probe.request('small', amounts(2, 1));
    expect(probe.admittedOrder).toEqual(['running']);
    controller.abort();
    expect(probe.admittedOrder).toEqual(['running', 'small']);
    expect(probe.eventsOf('dropped')).toEqual([
      expect.objectContaining({ taskName: 'big-head', reason: 'This operation was aborted' }),
    ]);
  });

  it('does not disturb the rest of the queue when a task in the middle aborts', async () => {
    const probe = new LedgerProbe(new ResourceLedger({ capacity: amounts(1, 16) }));
    const hog = probe.request('hog', amounts(1, 1));
    const controller = new AbortController();
    probe.request('a', amounts(1, 1));
    probe.request('b', amounts(1, 1), controller.signal);
    probe.request('c', amounts(1, 1));
    controller.abort();
    await settle();
    hog.granted.release();
    expect(probe.admittedOrder).toEqual(['hog', 'a']);
    expect(probe.ledger.snapshot().queued).toBe(1);
  });

  it('listens once per signal however many tasks share it, and stops listening when none waits', async () => {
    const { controller, listeners } = countedController();
    const probe = new LedgerProbe(new ResourceLedger({ capacity: amounts(1, 16) }));
    const hog = probe.request('hog', amounts(1, 1), controller.signal);
    const waiting = Array.from({ length: 50 }, (_, index) => probe.request(`t${index}`, amounts(1, 1), controller.signal));
    expect(listeners()).toBe(1);
    await settle();
    hog.granted.release();
    for (const admission of waiting) {
      await settle();
      admission.granted.release();
    }
    expect(listeners()).toBe(0);
    expect(probe.ledger.snapshot()).toMatchObject({ queued: 0, running: 0 });
  });

  it('drops every task sharing a signal when it aborts, and leaks nothing', async () => {
    const { controller, listeners } = countedController();
    const probe = new LedgerProbe(new ResourceLedger({ capacity: amounts(2, 16) }));
    probe.request('running', amounts(2, 1));
    const waiting = ['a', 'b', 'c'].map((name) => probe.request(name, amounts(1, 1), controller.signal));
    controller.abort(new Error('run canceled'));
    await settle();
    expect(waiting.map((admission) => (admission.error as CapstanError).message)).toEqual([
      'Task "a" stopped waiting for resources: run canceled.',
      'Task "b" stopped waiting for resources: run canceled.',
      'Task "c" stopped waiting for resources: run canceled.',
    ]);
    expect(listeners()).toBe(0);
    expect(probe.ledger.snapshot()).toMatchObject({ queued: 0, running: 1, inUse: amounts(2, 1) });
  });

  it('ignores an abort after the task was admitted', async () => {
    const controller = new AbortController();
    const ledger = new ResourceLedger({ capacity: amounts(2, 16) });
    const probe = new LedgerProbe(ledger);
    const admission = probe.request('a', amounts(1, 1), controller.signal);
    controller.abort();
    await settle();
    expect(admission.lease).toBeDefined();
    expect(probe.eventsOf('dropped')).toEqual([]);
    expect(ledger.snapshot().running).toBe(1);
  });

  it('dropQueued rejects every parked task, reports the count, and leaves running tasks alone', async () => {
    const { controller, listeners } = countedController();
    const probe = new LedgerProbe(new ResourceLedger({ capacity: amounts(4, 16) }));
    const running = probe.request('running', amounts(4, 1));
    const waiting = ['a', 'b', 'c'].map((name, index) => probe.request(name, amounts(index + 1, 1), controller.signal));
    expect(probe.ledger.dropQueued('run canceled')).toBe(3);
    await settle();
    expect(probe.ledger.snapshot().queued).toBe(0);
    expect(waiting.map((admission) => admission.error)).toEqual(
      ['a', 'b', 'c'].map(() => expect.objectContaining({ code: ErrorCode.AdmissionAborted })),
    );
    expect(probe.eventsOf('dropped').map((event) => event.taskName)).toEqual(['a', 'b', 'c']);
    expect(listeners()).toBe(0);
    expect(probe.ledger.dropQueued('again')).toBe(0);
    running.granted.release();
    expect(probe.ledger.snapshot()).toMatchObject({ queued: 0, running: 0, inUse: amounts(0, 0) });
  });
});
