import { type BackendEvent, DEFAULT_USAGE_INTERVAL_SECONDS, type ResourceUsage, type UsageSample } from '@capstan/core-constraints';

/** What a backend read of a running attempt. Counters are totals since the attempt began; absent: not readable. */
export interface UsageReading {
  readonly memoryBytes?: number;
  /** The source's own high-water mark (cgroup v1 `max_usage_in_bytes`, v2 `memory.peak`, a process's VmHWM). */
  readonly peakMemoryBytes?: number;
  readonly cpuUserSeconds?: number;
  readonly cpuSystemSeconds?: number;
  /** User + system, for sources that do not split them (else their sum is used). */
  readonly cpuSeconds?: number;
  readonly readBytes?: number;
  readonly writtenBytes?: number;
}

/** Reads the attempt once; null when there is nothing left to read (it ended, its cgroup is gone). */
export type UsageReader = (signal: AbortSignal) => Promise<UsageReading | null>;

export interface UsageMeterOptions {
  /** Milliseconds between readings; 0: none while it runs (only the final one, when asked for). */
  readonly intervalMs: number;
  /** Each reading while it runs, as a `usage` event. */
  readonly emit: (sample: UsageSample) => void;
  /** A reading slower than this is abandoned and counted as failed: a stalled daemon must not hold the meter. */
  readonly readTimeoutMs?: number;
  readonly now?: () => number;
}

interface Totals {
  cpuUser?: number;
  cpuSystem?: number;
  cpu?: number;
  read?: number;
  written?: number;
  peak?: number;
}

const DEFAULT_READ_TIMEOUT_MS = 10_000;

/**
 * Samples one attempt's usage while it runs and sums it up at the end. It never fails the attempt: a reading that
 * fails or hangs is counted and marks the summary `partial`. Counters only grow (a source that restarts at zero,
 * e.g. a container whose cgroup is gone, cannot lower them). Readings never overlap: the next is timed from the end of
 * the previous one, so a slow source is read less often, not piled up.
 */
export class UsageMeter {
  private readonly totals: Totals = {};
  private readonly now: () => number;
  private readonly stopping = new AbortController();
  private startedAt = 0;
  private lastCpuAt: { at: number; cpu: number } | undefined;
  private lastReadingAt: number | undefined;
  private cpuPercentPeak: number | undefined;
  private samples = 0;
  private failures = 0;
  private lastFailure = '';
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;

  constructor(
    private readonly read: UsageReader,
    private readonly options: UsageMeterOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  /** Call when the attempt's process starts; the first reading follows one interval later. */
  start(): this {
    this.startedAt = this.now();
    this.schedule();
    return this;
  }

  /**
   * Stops sampling (waiting for a reading under way) and returns the summary; `finalRead` takes one more reading
   * first, for sources still readable after the end (a cgroup before its removal), with the meter's reader or its own.
   */
  async stop(options: { readonly finalRead?: boolean | UsageReader } = {}): Promise<ResourceUsage> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const endedAt = this.now();
    // A reading under way when the attempt ended would only delay its end (a daemon's stats of a gone container).
    this.stopping.abort();
    await this.inFlight;
    if (options.finalRead !== undefined && options.finalRead !== false) await this.take(false, options.finalRead === true ? this.read : options.finalRead);
    return this.summary(endedAt);
  }

  private schedule(): void {
    if (this.options.intervalMs <= 0 || this.stopping.signal.aborted) return;
    this.timer = setTimeout(() => {
      this.inFlight = this.take(true).finally(() => {
        this.inFlight = undefined;
        if (this.timer !== undefined) this.schedule();
      });
    }, this.options.intervalMs);
    this.timer.unref();
  }

  private async take(emit: boolean, read: UsageReader = this.read): Promise<void> {
    const timeout = AbortSignal.timeout(this.options.readTimeoutMs ?? DEFAULT_READ_TIMEOUT_MS);
    const signal = emit ? AbortSignal.any([timeout, this.stopping.signal]) : timeout;
    let reading: UsageReading | null;
    try {
      reading = await Promise.race([read(signal), abortion(signal)]);
    } catch (error) {
      if (emit && this.stopping.signal.aborted) return; // cut short by the end, not failed
      this.failures += 1;
      this.lastFailure = error instanceof Error ? error.message : String(error);
      return;
    }
    if (reading === null) return;
    this.samples += 1;
    const sample = this.add(reading, this.now());
    if (emit) this.options.emit(sample);
  }

  private add(reading: UsageReading, at: number): UsageSample {
    const t = this.totals;
    t.cpuUser = grow(t.cpuUser, reading.cpuUserSeconds);
    t.cpuSystem = grow(t.cpuSystem, reading.cpuSystemSeconds);
    const split = reading.cpuUserSeconds !== undefined && reading.cpuSystemSeconds !== undefined ? reading.cpuUserSeconds + reading.cpuSystemSeconds : undefined;
    t.cpu = grow(t.cpu, reading.cpuSeconds ?? split);
    t.read = grow(t.read, reading.readBytes);
    t.written = grow(t.written, reading.writtenBytes);
    t.peak = grow(grow(t.peak, reading.peakMemoryBytes), reading.memoryBytes);
    let cpuPercent: number | undefined;
    if (t.cpu !== undefined) {
      const previous = this.lastCpuAt ?? { at: this.startedAt, cpu: 0 };
      if (at > previous.at) {
        cpuPercent = round((100 * (t.cpu - previous.cpu) * 1000) / (at - previous.at));
        this.cpuPercentPeak = Math.max(this.cpuPercentPeak ?? 0, cpuPercent);
      }
      this.lastCpuAt = { at, cpu: t.cpu };
    }
    this.lastReadingAt = at;
    return definedOnly({
      elapsedSeconds: round((at - this.startedAt) / 1000),
      memoryBytes: reading.memoryBytes,
      peakMemoryBytes: t.peak,
      cpuPercent,
      cpuSeconds: t.cpu === undefined ? undefined : round(t.cpu),
      readBytes: t.read,
      writtenBytes: t.written,
    });
  }

  private summary(endedAt: number): ResourceUsage {
    const t = this.totals;
    const measured = this.lastCpuAt === undefined ? undefined : (this.lastCpuAt.at - this.startedAt) / 1000;
    const partial =
      this.failures > 0
        ? `${this.failures} of ${this.failures + this.samples} usage readings failed (${this.lastFailure}): the figures are lower bounds`
        : this.samples === 0
          ? 'the attempt ended before its first usage reading'
          : undefined;
    return definedOnly({
      peakMemoryBytes: t.peak,
      cpuUserSeconds: t.cpuUser === undefined ? undefined : round(t.cpuUser),
      cpuSystemSeconds: t.cpuSystem === undefined ? undefined : round(t.cpuSystem),
      cpuPercentMean: t.cpu === undefined || measured === undefined || measured <= 0 ? undefined : round((100 * t.cpu) / measured),
      cpuPercentPeak: this.cpuPercentPeak,
      readBytes: t.read,
      writtenBytes: t.written,
      wallSeconds: this.lastReadingAt === undefined && this.samples === 0 ? undefined : round((endedAt - this.startedAt) / 1000),
      samples: this.samples,
      partial,
    }) as ResourceUsage;
  }
}

function grow(total: number | undefined, value: number | undefined): number | undefined {
  if (value === undefined || !Number.isFinite(value) || value < 0) return total;
  return total === undefined ? value : Math.max(total, value);
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}

function abortion(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    const fail = (): void => reject(new Error(signal.reason instanceof Error && signal.reason.name === 'TimeoutError' ? 'a reading timed out' : 'stopped'));
    if (signal.aborted) fail();
    else signal.addEventListener('abort', fail, { once: true });
  });
}

function definedOnly<T extends object>(value: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as { [K in keyof T]: Exclude<T[K], undefined> };
}

/**
 * Starts metering one attempt as a backend does: every `intervalMs` (the request's `usageIntervalMs`; undefined: the
 * default), each reading a `usage` event.
 */
export function meterAttempt(read: UsageReader, intervalMs: number | undefined, emit: (event: BackendEvent) => void): UsageMeter {
  return new UsageMeter(read, { intervalMs: intervalMs ?? DEFAULT_USAGE_INTERVAL_SECONDS * 1000, emit: (sample) => emit({ type: 'usage', ...sample }) }).start();
}
