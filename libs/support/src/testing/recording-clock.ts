import { abortableWait, type RetryClock } from '../retry';

/**
 * A retry clock for tests: it records each wait asked for and waits none of it (an abort still rejects), and its
 * random part is always the whole, so backoffs are exact.
 */
export function recordingClock(now = 0): RetryClock & { readonly waits: number[] } {
  const waits: number[] = [];
  return {
    waits,
    now: () => now,
    random: () => 1,
    wait: (ms, signal) => {
      waits.push(ms);
      return abortableWait(0, signal);
    },
  };
}
