/**
 * How a backend reports what an attempt used. `sampled`: readings while it runs (usage events) and a summary in the
 * result; `final-only`: the summary alone, read once at the end; `unavailable`: nothing (a backend that does not
 * declare it reports nothing).
 */
export type UsageReporting = 'sampled' | 'final-only' | 'unavailable';

export const USAGE_REPORTING: readonly UsageReporting[] = ['sampled', 'final-only', 'unavailable'];

/** Default seconds between two usage readings of a running attempt (`engine.usageIntervalSeconds`). */
export const DEFAULT_USAGE_INTERVAL_SECONDS = 5;
/** Bounds of `engine.usageIntervalSeconds`; 0 turns sampling off (the backend still takes what it can at the end). */
export const MIN_USAGE_INTERVAL_SECONDS = 0.2;
export const MAX_USAGE_INTERVAL_SECONDS = 3600;

/**
 * What one attempt used, as far as its backend could read it. A field the backend cannot read is absent, never 0:
 * 0 means it was read and was zero.
 */
export interface ResourceUsage {
  /** The highest memory the attempt held at once (bytes; the runtime's high-water mark where it keeps one). */
  readonly peakMemoryBytes?: number;
  readonly cpuUserSeconds?: number;
  readonly cpuSystemSeconds?: number;
  /** CPU seconds over wall seconds, as a percentage of one CPU (200: two CPUs busy throughout). */
  readonly cpuPercentMean?: number;
  /** The highest CPU % between two readings. */
  readonly cpuPercentPeak?: number;
  readonly readBytes?: number;
  readonly writtenBytes?: number;
  /** From the first reading to the last (about the attempt's run time). */
  readonly wallSeconds?: number;
  /** How many readings it is made of. */
  readonly samples: number;
  /**
   * Set when readings were missed (the stats connection dropped, the attempt ended before the first one): the
   * figures are lower bounds. Says why.
   */
  readonly partial?: string;
}

/** One reading of a running attempt (the `usage` backend event): the current values and the totals so far. */
export interface UsageSample {
  /** Seconds since the attempt's first reading. */
  readonly elapsedSeconds: number;
  readonly memoryBytes?: number;
  readonly peakMemoryBytes?: number;
  /** CPU % since the previous reading (of one CPU). */
  readonly cpuPercent?: number;
  /** CPU seconds (user + system) so far. */
  readonly cpuSeconds?: number;
  readonly readBytes?: number;
  readonly writtenBytes?: number;
}
