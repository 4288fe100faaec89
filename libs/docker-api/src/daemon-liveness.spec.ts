import { type DaemonPing, type LivenessOptions, watchDaemon } from './daemon-liveness';
import { livenessOf } from './engine-options';

const OPTIONS: LivenessOptions = { intervalMs: 1_000, timeoutMs: 500, failures: 3 };

/** A ping that never answers and ignores its signal, as a frozen daemon's socket does. */
const frozen: DaemonPing = () => new Promise(() => undefined);
const answers: DaemonPing = () => Promise.resolve('OK');

describe('watchDaemon (fake clock)', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  /** Advances the fake clock and lets the promises it settles run. */
  async function advance(ms: number): Promise<void> {
    await jest.advanceTimersByTimeAsync(ms);
  }

  function track(ping: DaemonPing, options: LivenessOptions = OPTIONS, stop = new AbortController()) {
    let outcome: string | null | undefined;
    const pings: AbortSignal[] = [];
    const counted: DaemonPing = (signal) => {
      pings.push(signal);
      return ping(signal);
    };
    void watchDaemon(counted, options, stop.signal).then((value) => (outcome = value));
    return { outcome: () => outcome, pings, stop };
  }

  it('declares a frozen daemon lost after the configured failures, not one ping earlier', async () => {
    const watch = track(frozen);
    // three rounds of interval + timeout, less a millisecond: still waiting on the third ping
    await advance(3 * 1_500 - 1);
    expect(watch.outcome()).toBeUndefined();
    expect(watch.pings).toHaveLength(3);
    await advance(1);
    expect(watch.outcome()).toMatch(/did not answer 3 pings in a row .*no answer within 500 ms/);
    // every timed-out ping was aborted, so its connection is released
    expect(watch.pings.every((signal) => signal.aborted)).toBe(true);
  });

  it('never declares a daemon that answers lost, however long it runs', async () => {
    const watch = track(answers);
    await advance(600_000);
    expect(watch.outcome()).toBeUndefined();
    expect(watch.pings.length).toBeGreaterThanOrEqual(599);
    watch.stop.abort();
    await advance(0);
    expect(watch.outcome()).toBeNull();
  });

  it('resets the count when a ping answers: failures must come in a row', async () => {
    let calls = 0;
    // fails twice, answers once, in a cycle: never three in a row
    const flaky: DaemonPing = () => (++calls % 3 === 0 ? Promise.resolve() : Promise.reject(new Error('ECONNREFUSED')));
    const watch = track(flaky);
    await advance(60_000);
    expect(calls).toBeGreaterThan(30);
    expect(watch.outcome()).toBeUndefined();
    watch.stop.abort();
  });

  it('counts refused connections as failures and names the last one', async () => {
    const watch = track(() => Promise.reject(new Error('connect ECONNREFUSED /x.sock')));
    await advance(3 * 1_000);
    expect(watch.outcome()).toMatch(/3 pings in a row.*last: connect ECONNREFUSED/);
  });

  it('stops at once, mid-ping, and resolves null; an attempt that ended is never called lost', async () => {
    const watch = track(frozen);
    await advance(1_200);
    expect(watch.pings).toHaveLength(1);
    watch.stop.abort();
    await advance(0);
    expect(watch.outcome()).toBeNull();
    expect(watch.pings[0]?.aborted).toBe(true);
    await advance(60_000);
    expect(watch.pings).toHaveLength(1);
  });

  it('is off with failures 0', async () => {
    const watch = track(frozen, { ...OPTIONS, failures: 0 });
    await advance(0);
    expect(watch.outcome()).toBeNull();
    expect(watch.pings).toHaveLength(0);
  });
});

describe('livenessOf', () => {
  it('turns the config seconds into the watch\'s milliseconds', () => {
    expect(livenessOf({ livenessIntervalSeconds: 10, livenessTimeoutSeconds: 5, livenessFailures: 3 })).toEqual({ intervalMs: 10_000, timeoutMs: 5_000, failures: 3 });
  });
});
