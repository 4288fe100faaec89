import { systemClock, type RetryClock } from '../http/retry-policy';

/**
 * The real clock, except that retry waits are recorded and cut to a few milliseconds: tests check which waits a
 * transfer asked for (a backoff, a server's Retry-After) without sleeping for them or timing anything.
 */
export function recordingClock(): RetryClock & { readonly waits: number[] } {
  const waits: number[] = [];
  return {
    waits,
    now: () => Date.now(),
    random: () => 1,
    wait: (ms, signal) => {
      waits.push(ms);
      return systemClock.wait(Math.min(ms, 5), signal);
    },
  };
}
