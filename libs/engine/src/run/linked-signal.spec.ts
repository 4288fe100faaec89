import { getEventListeners } from 'node:events';
import { linkSignals } from './linked-signal';

describe('linkSignals', () => {
  it('aborts with the reason of whichever source aborts first', () => {
    const a = new AbortController();
    const b = new AbortController();
    const linked = linkSignals(a.signal, b.signal);
    b.abort('second');
    a.abort('first');
    expect(linked.signal.aborted).toBe(true);
    expect(linked.signal.reason).toBe('second');
  });

  it('is aborted at once when a source already is', () => {
    const a = new AbortController();
    a.abort('gone');
    const b = new AbortController();
    const linked = linkSignals(b.signal, a.signal);
    expect(linked.signal.reason).toBe('gone');
    expect(getEventListeners(b.signal, 'abort')).toHaveLength(0);
  });

  it('leaves nothing on a long-lived source once disposed, however many tasks came and went', () => {
    const engineLifetime = new AbortController();
    for (let task = 0; task < 10_000; task += 1) {
      const own = new AbortController();
      const linked = linkSignals(engineLifetime.signal, own.signal);
      linked.dispose();
    }
    expect(getEventListeners(engineLifetime.signal, 'abort')).toHaveLength(0);
  });

  it('no longer follows its sources once disposed', () => {
    const a = new AbortController();
    const linked = linkSignals(a.signal);
    linked.dispose();
    a.abort();
    expect(linked.signal.aborted).toBe(false);
  });
});
