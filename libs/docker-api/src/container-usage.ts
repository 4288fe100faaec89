import { type BackendEvent, type ExecutionResult, type ResourceUsage } from '@capstan/core-constraints';
import { meterAttempt, type UsageMeter, type UsageReader, type UsageReading } from '@capstan/support';
import type Dockerode from 'dockerode';
import { type AttemptCgroup, readAttemptCgroup, seesParent, stopAttemptCgroups } from './attempt-cgroup';
import { type DockerClient } from './docker-client';

const NS_PER_SECOND = 1e9;

/** The parts of the stats API's answer read here (Docker's cgroup v1 and v2 forms, Podman's compatible one). */
export interface DaemonStats {
  readonly read?: string;
  readonly memory_stats?: {
    readonly usage?: number;
    /** cgroup v1's `memory.max_usage_in_bytes`; Docker on cgroup v2 and Podman leave it out. */
    readonly max_usage?: number;
    readonly stats?: Readonly<Record<string, number>>;
  };
  readonly cpu_stats?: { readonly cpu_usage?: { readonly total_usage?: number; readonly usage_in_usermode?: number; readonly usage_in_kernelmode?: number } };
  readonly blkio_stats?: { readonly io_service_bytes_recursive?: ReadonlyArray<{ readonly op?: string; readonly value?: number }> | null };
}

/**
 * One reading from the daemon's stats of a running container; null for a container that is no longer running (the
 * daemon then answers with an empty cgroup: zero CPU, no memory). Memory now is the usage less the inactive page
 * cache, as `docker stats` shows it; the peak is the cgroup's high-water mark where the daemon gives one, which counts
 * page cache as well.
 */
export function readingFromStats(stats: DaemonStats): UsageReading | null {
  const memory = stats.memory_stats ?? {};
  const cpu = stats.cpu_stats?.cpu_usage ?? {};
  if (memory.usage === undefined && !(cpu.total_usage !== undefined && cpu.total_usage > 0)) return null;
  const inactive = memory.stats?.['total_inactive_file'] ?? memory.stats?.['inactive_file'] ?? 0;
  const reading: { -readonly [K in keyof UsageReading]: UsageReading[K] } = {};
  if (memory.usage !== undefined) reading.memoryBytes = Math.max(0, memory.usage - inactive);
  if (memory.max_usage !== undefined && memory.max_usage > 0) reading.peakMemoryBytes = memory.max_usage;
  if (cpu.total_usage !== undefined) reading.cpuSeconds = cpu.total_usage / NS_PER_SECOND;
  // Nanoseconds in every form (Docker converts cgroup v2's microseconds, and v1's ticks, itself).
  if (cpu.usage_in_usermode !== undefined && cpu.usage_in_kernelmode !== undefined) {
    reading.cpuUserSeconds = cpu.usage_in_usermode / NS_PER_SECOND;
    reading.cpuSystemSeconds = cpu.usage_in_kernelmode / NS_PER_SECOND;
  }
  const io = stats.blkio_stats?.io_service_bytes_recursive;
  if (Array.isArray(io)) {
    reading.readBytes = sumOp(io, 'read');
    reading.writtenBytes = sumOp(io, 'write');
  }
  return reading;
}

function sumOp(entries: ReadonlyArray<{ readonly op?: string; readonly value?: number }>, op: string): number {
  return entries.filter((entry) => entry.op?.toLowerCase() === op).reduce((total, entry) => total + (entry.value ?? 0), 0);
}

/** Reads a container's usage by its id (never its name: a task could give another container a confusing one). */
export function containerUsageReader(client: DockerClient, id: string): UsageReader {
  return async (signal) => {
    const options = { stream: false, 'one-shot': true, abortSignal: signal } as { stream: false; 'one-shot': boolean };
    const stats = await client.call('container stats', (api: Dockerode) => api.getContainer(id).stats(options), signal);
    return readingFromStats(stats as unknown as DaemonStats);
  };
}

/**
 * The usage of one attempt's container: started with the container, stopped when its wait returns (before the
 * container, and so its cgroup, is removed), summed into the attempt's result. Readings are `usage` events. With an
 * attempt cgroup (attempt-cgroup.ts) a last reading is taken from it after the end: the totals of a task that ended
 * before any stats reading, or between two. One that cannot be read marks the usage `partial`.
 */
export class ContainerUsage {
  private meter: UsageMeter | undefined;
  private summary: Promise<ResourceUsage> | undefined;

  constructor(
    private readonly client: DockerClient,
    private readonly intervalMs: number | undefined,
    private readonly emit: (event: BackendEvent) => void,
    private readonly cgroup?: AttemptCgroup,
  ) {}

  start(id: string): void {
    this.meter = meterAttempt(containerUsageReader(this.client, id), this.intervalMs, this.emit);
  }

  /** Stops the readings (at once; idempotent) and gives the summary, undefined when the container never started. */
  stop(): Promise<ResourceUsage | undefined> {
    const meter = this.meter;
    if (meter === undefined) return Promise.resolve(undefined);
    this.summary ??= this.finish(meter);
    return this.summary;
  }

  private async finish(meter: UsageMeter): Promise<ResourceUsage> {
    const cgroup = this.cgroup;
    if (cgroup === undefined) return meter.stop();
    if (!(await seesParent(cgroup))) {
      stopAttemptCgroups(this.client);
      return meter.stop();
    }
    const finalRead = async (): Promise<UsageReading> => {
      const reading = await readAttemptCgroup(cgroup);
      if (reading === null) throw new Error(`the attempt's cgroup ${cgroup.parent} could not be read after its end`);
      return reading;
    };
    return meter.stop({ finalRead });
  }

  async into(result: ExecutionResult): Promise<ExecutionResult> {
    const usage = await this.stop();
    return usage === undefined ? result : { ...result, usage };
  }
}
