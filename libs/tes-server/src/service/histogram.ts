/** A histogram as Prometheus keeps it: per-bucket counts (not cumulative), their sum and count, all only growing. */
export interface HistogramSnapshot {
  /** Upper bounds, ascending; `+Inf` is implied. */
  readonly bounds: readonly number[];
  /** How many observations fell in each bound's bucket (above the previous bound); one more entry for `+Inf`. */
  readonly counts: readonly number[];
  readonly sum: number;
  readonly count: number;
}

/** Queue wait, seconds: from a tenth of a second (an idle server) to an hour (a full one). */
export const QUEUE_WAIT_BUCKETS = [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600] as const;
/** Run time, seconds: from a second (a quick check) to a day (a long alignment or assembly). */
export const RUN_DURATION_BUCKETS = [1, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200, 14400, 43200, 86400] as const;
/** A task's peak memory, bytes: 16 MiB (a shell step) to 256 GiB (a large assembly), each bucket 2 to 4 times the last. */
export const PEAK_MEMORY_BUCKETS = [16, 64, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768, 65536, 262144].map((mebibytes) => mebibytes * 1024 * 1024);
/** A task's CPU seconds (user and system, all its executors): a tenth of a second to four CPU-days. */
export const CPU_SECONDS_BUCKETS = [0.1, 1, 10, 60, 300, 900, 3600, 14400, 86400, 345600] as const;

/** Observations counted into fixed buckets: constant memory for a server that runs for months. */
export class Histogram {
  private readonly counts: number[];
  private sum = 0;
  private count = 0;

  constructor(private readonly bounds: readonly number[]) {
    this.counts = new Array<number>(bounds.length + 1).fill(0);
  }

  observe(value: number): void {
    const index = this.bounds.findIndex((bound) => value <= bound);
    const slot = index === -1 ? this.bounds.length : index;
    this.counts[slot] = (this.counts[slot] ?? 0) + 1;
    this.sum += value;
    this.count += 1;
  }

  snapshot(): HistogramSnapshot {
    return { bounds: this.bounds, counts: [...this.counts], sum: this.sum, count: this.count };
  }
}

/** The histogram of a list of observations (for tests and fakes). */
export function histogramOf(bounds: readonly number[], observations: readonly number[]): HistogramSnapshot {
  const histogram = new Histogram(bounds);
  observations.forEach((value) => histogram.observe(value));
  return histogram.snapshot();
}
