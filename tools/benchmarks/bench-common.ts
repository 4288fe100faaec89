// Small pieces every benchmark needs and that depend on no backend library: statistics, the machine line, and an
// HTTP tracer that attributes time to API calls. (docker-bench-kit.ts has its own copies; these exist so that the
// Apptainer and Podman benchmarks keep building whatever happens to the docker runner's exports.)
// Not a test: nothing here asserts a time.
import { subscribe } from 'node:diagnostics_channel';
import { type ClientRequest, type IncomingMessage } from 'node:http';
import { availableParallelism, loadavg } from 'node:os';

export function percentile(values: readonly number[], fraction: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = fraction * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  const lowValue = sorted[low] ?? Number.NaN;
  const highValue = sorted[high] ?? Number.NaN;
  return lowValue + (highValue - lowValue) * (rank - low);
}

export const median = (values: readonly number[]): number => percentile(values, 0.5);

export function loadAverage(): string {
  return loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');
}

export function machineLine(): string {
  return `node ${process.version}, ${availableParallelism()} cpus, load average ${loadAverage()}`;
}

/** One HTTP request: when it started, when the response headers came, when its body ended. */
export interface ApiCall {
  readonly what: string;
  readonly start: number;
  headers: number;
  end: number;
}

/**
 * Records every HTTP request this process makes (dockerode speaks HTTP over the socket) with node:diagnostics_channel,
 * so a task's wall time can be split into time with an API call in flight and time without (the caller's own work).
 * Paths are reduced to their kind: `POST /containers/create`, `GET /images/{}/json`...
 */
export class ApiCallTracer {
  private readonly open = new Map<ClientRequest, ApiCall>();
  readonly calls: ApiCall[] = [];
  private enabled = false;

  constructor() {
    subscribe('http.client.request.start', (message) => {
      if (!this.enabled) return;
      const { request } = message as { request: ClientRequest };
      const call: ApiCall = { what: `${request.method} ${normalisePath(request.path)}`, start: performance.now(), headers: Number.NaN, end: Number.NaN };
      this.open.set(request, call);
      this.calls.push(call);
    });
    subscribe('http.client.response.finish', (message) => {
      const { request, response } = message as { request: ClientRequest; response: IncomingMessage };
      const call = this.open.get(request);
      if (call === undefined) return;
      this.open.delete(request);
      call.headers = performance.now();
      const ended = (): void => {
        if (Number.isNaN(call.end)) call.end = performance.now();
      };
      response.once('end', ended);
      response.once('close', ended);
    });
  }

  start(): void {
    this.enabled = true;
  }

  stop(): void {
    this.enabled = false;
  }

  /** The calls that started in [from, to). */
  between(from: number, to: number): ApiCall[] {
    return this.calls.filter((call) => call.start >= from && call.start < to);
  }

  clear(): void {
    this.calls.length = 0;
  }
}

/** An attach response stays open for the container's whole life: it counts as in flight only until its headers. */
export const isAttach = (call: ApiCall): boolean => call.what.endsWith('/attach');

function normalisePath(path: string): string {
  const bare = path.split('?')[0] ?? path;
  return bare
    .replace(/^\/v[0-9.]+\//, '/')
    .replace(/^\/containers\/(?!create$)[^/]+/, '/containers/{}')
    .replace(/^\/libpod\/containers\/(?!create$)[^/]+/, '/libpod/containers/{}')
    .replace(/^\/images\/.+\/json$/, '/images/{}/json');
}

/** Milliseconds of [from, to] covered by at least one call in flight (overlapping calls counted once; see isAttach). */
export function coveredMs(calls: readonly ApiCall[], from: number, to: number): number {
  const spans = calls
    .map((call) => {
      const end = isAttach(call) ? call.headers : call.end;
      return [Math.max(from, call.start), Math.min(to, Number.isNaN(end) ? to : end)] as const;
    })
    .filter(([start, end]) => end > start)
    .sort((a, b) => a[0] - b[0]);
  let covered = 0;
  let reach = from;
  for (const [start, end] of spans) {
    if (end <= reach) continue;
    covered += end - Math.max(start, reach);
    reach = end;
  }
  return covered;
}

/** The TES task the TES benchmarks create (422 bytes as JSON): tags, resources, an input, an output, one executor. */
export const BENCH_TES_TASK = {
  name: 'bench align sample',
  tags: { project: 'p01', workflow: 'rnaseq' },
  resources: { cpu_cores: 2, ram_gb: 4 },
  inputs: [{ url: 'https://data.example.org/reads/S1_R1.fastq.gz', path: '/data/in/S1_R1.fastq.gz' }],
  outputs: [{ url: 'https://data.example.org/out/S1.bam', path: '/data/out/S1.bam' }],
  executors: [{ image: 'capstan-test/busybox:1', command: ['sh', '-c', 'echo align > /data/out/S1.bam'], env: { THREADS: '2' } }],
};
