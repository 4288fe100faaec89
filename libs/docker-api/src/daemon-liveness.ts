/** How often a waiting attempt asks the daemon whether it still answers, and how many silences mean it is gone. */
export interface LivenessOptions {
  readonly intervalMs: number;
  /** One ping that has not answered after this long counts as failed (a frozen daemon keeps the socket open). */
  readonly timeoutMs: number;
  /** Failed pings in a row that end the attempt as lost; 0 turns the watch off. */
  readonly failures: number;
}

/** The timers the watch runs on; tests pass fake ones. */
export interface LivenessClock {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realClock: LivenessClock = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** A ping on its own connection: the wait's connection may be the one that hangs. */
export type DaemonPing = (signal: AbortSignal) => Promise<unknown>;

/**
 * Pings the daemon every `intervalMs` until `stop` aborts. Resolves with a message naming the silence once `failures`
 * pings in a row failed or did not answer within `timeoutMs`; resolves with null when stopped first. A ping that
 * answers resets the count, so a daemon that is only slow for a while never ends an attempt.
 */
export async function watchDaemon(ping: DaemonPing, options: LivenessOptions, stop: AbortSignal, clock: LivenessClock = realClock): Promise<string | null> {
  if (options.failures <= 0) return null;
  let failed = 0;
  let last = '';
  while (!stop.aborted) {
    if (!(await pause(options.intervalMs, stop, clock))) return null;
    const outcome = await pingOnce(ping, options.timeoutMs, stop, clock);
    if (outcome === 'stopped') return null;
    if (outcome === 'ok') {
      failed = 0;
      continue;
    }
    failed += 1;
    last = outcome;
    if (failed >= options.failures) {
      return `the daemon did not answer ${failed} pings in a row (every ${options.intervalMs} ms, ${options.timeoutMs} ms each; last: ${last})`;
    }
  }
  return null;
}

/** Waits `ms`; false when `stop` aborted first. */
function pause(ms: number, stop: AbortSignal, clock: LivenessClock): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (value: boolean): void => {
      clock.clearTimeout(handle);
      stop.removeEventListener('abort', onStop);
      resolve(value);
    };
    const onStop = (): void => done(false);
    const handle = clock.setTimeout(() => done(true), ms);
    stop.addEventListener('abort', onStop, { once: true });
  });
}

/** 'ok', 'stopped', or what went wrong; a ping that ignores its signal still counts as failed at the deadline. */
function pingOnce(ping: DaemonPing, timeoutMs: number, stop: AbortSignal, clock: LivenessClock): Promise<string> {
  const controller = new AbortController();
  return new Promise<string>((resolve) => {
    let settled = false;
    const done = (value: string): void => {
      if (settled) return;
      settled = true;
      clock.clearTimeout(handle);
      stop.removeEventListener('abort', onStop);
      controller.abort();
      resolve(value);
    };
    const onStop = (): void => done('stopped');
    const handle = clock.setTimeout(() => done(`no answer within ${timeoutMs} ms`), timeoutMs);
    stop.addEventListener('abort', onStop, { once: true });
    ping(controller.signal).then(
      () => done('ok'),
      (error: unknown) => done(error instanceof Error ? error.message : String(error)),
    );
  });
}
