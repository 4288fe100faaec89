// Resource manager benchmark: park N tasks behind a full machine, then drain them, each lease released in the
// microtask that receives it. Not a test: prints numbers for docs/benchmarks.md.
//   NODE_RUN_FLAGS=--expose-gc node tools/run-ts.mjs tools/benchmarks/resource-manager.bench.ts
import { type Lease, type ResourceAmounts } from '@capstan/core-constraints';
import { ResourceLedger } from '@capstan/resource-manager';

const GiB = 1024 ** 3;
const targetAdmissionsPerSecond = 200_000;
const capacity: ResourceAmounts = { cpu: 64, memory: 256 * GiB, gpu: 4 };

interface Measurement {
  readonly tasks: number;
  readonly shapes: number;
  readonly enqueueMs: number;
  readonly drainMs: number;
  readonly heapBytesPerTask: number | null;
}

/** Deterministic pseudo-random numbers (mulberry32), so every run sees the same workload. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = Math.imul(state ^ (state >>> 15), 1 | state);
    mixed = (mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed)) ^ mixed;
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296;
  };
}

function choose<T>(random: () => number, options: readonly T[]): T {
  const choice = options[Math.floor(random() * options.length)];
  if (choice === undefined) throw new Error('no options');
  return choice;
}

/** A few dozen shapes, as a real workflow has: 0.5 to 4 cores, 1 to 16 GiB, one task in ten with a GPU. */
function mixedRequests(count: number): ResourceAmounts[] {
  const random = seededRandom(42);
  const shapes = new Map<string, ResourceAmounts>();
  return Array.from({ length: count }, () => {
    const request = {
      cpu: choose(random, [0.5, 1, 1, 2, 2, 4]),
      memory: choose(random, [1, 2, 4, 8, 16]) * GiB,
      gpu: random() < 0.1 ? 1 : 0,
    };
    const key = `${request.cpu}/${request.memory}/${request.gpu}`;
    const shared = shapes.get(key) ?? request;
    shapes.set(key, shared);
    return shared;
  });
}

/** The worst case for shape grouping: every request different (memory differs by a few bytes). */
function distinctRequests(count: number): ResourceAmounts[] {
  return Array.from({ length: count }, (_, index) => ({ cpu: 1 + (index % 4), memory: 2 * GiB + index, gpu: 0 }));
}

const collectGarbage: (() => void) | undefined = (globalThis as { gc?: () => void }).gc;

function heapUsedAfterGc(): number | null {
  if (collectGarbage === undefined) return null;
  collectGarbage();
  collectGarbage();
  return process.memoryUsage().heapUsed;
}

async function measure(requests: readonly ResourceAmounts[]): Promise<Measurement> {
  const names = requests.map((_, index) => `task-${index}`);
  const ledger = new ResourceLedger({ capacity });
  // Hold the whole machine so every task parks; the drain starts when this lease is returned.
  const blocker = await ledger.acquire('blocker', capacity);
  let admitted = 0;
  let drained = (): void => undefined;
  const allDrained = new Promise<void>((resolve) => (drained = resolve));
  const releaseAtOnce = (lease: Lease): void => {
    lease.release();
    admitted += 1;
    if (admitted === requests.length) drained();
  };

  const heapBefore = heapUsedAfterGc();
  const enqueueStart = performance.now();
  requests.forEach((request, index) => {
    void ledger.acquire(names[index] ?? 'task', request).then(releaseAtOnce);
  });
  const enqueueMs = performance.now() - enqueueStart;
  const heapAfter = heapUsedAfterGc();
  if (ledger.snapshot().queued !== requests.length) throw new Error('expected every task to park');

  const drainStart = performance.now();
  blocker.release();
  await allDrained;
  const drainMs = performance.now() - drainStart;
  const { running, inUse } = ledger.snapshot();
  if (running !== 0 || inUse.cpu !== 0 || inUse.memory !== 0) throw new Error('ledger did not return to zero');
  return {
    tasks: requests.length,
    shapes: new Set(requests.map((request) => `${request.cpu}/${request.memory}/${request.gpu}`)).size,
    enqueueMs,
    drainMs,
    heapBytesPerTask: heapBefore === null || heapAfter === null ? null : (heapAfter - heapBefore) / requests.length,
  };
}

function report(label: string, results: readonly Measurement[]): void {
  const base = results[0];
  console.log(`\n${label}`);
  console.log('  tasks    shapes  enqueue ms  drain ms  admissions/s  heap B/task  per-task time vs first');
  for (const result of results) {
    const perTask = (result.enqueueMs + result.drainMs) / result.tasks;
    const basePerTask = base === undefined ? perTask : (base.enqueueMs + base.drainMs) / base.tasks;
    const rate = result.tasks / (result.drainMs / 1000);
    console.log(
      `  ${String(result.tasks).padStart(7)}  ${String(result.shapes).padStart(6)}  ${result.enqueueMs.toFixed(1).padStart(10)}` +
        `  ${result.drainMs.toFixed(1).padStart(8)}  ${Math.round(rate).toLocaleString('en-US').padStart(12)}` +
        `  ${(result.heapBytesPerTask?.toFixed(0) ?? 'n/a').padStart(11)}  ${(perTask / basePerTask).toFixed(2).padStart(6)}x`,
    );
  }
  const largest = results.at(-1);
  if (largest !== undefined) {
    const rate = largest.tasks / (largest.drainMs / 1000);
    const verdict = rate >= targetAdmissionsPerSecond ? 'meets' : 'MISSES';
    console.log(
      `  ${largest.tasks} tasks: ${Math.round(rate).toLocaleString('en-US')} admissions/s ` +
        `(target >= ${targetAdmissionsPerSecond.toLocaleString('en-US')}: ${verdict}), ` +
        `total ${(largest.enqueueMs + largest.drainMs).toFixed(0)} ms`,
    );
  }
}

async function main(): Promise<void> {
  const sizes = [10_000, 50_000, 100_000];
  console.log(`node ${process.version}, capacity 64 cpu / 256 GiB / 4 GPUs, each lease released in the microtask that gets it`);
  if (collectGarbage === undefined) console.log('(heap per task needs NODE_RUN_FLAGS=--expose-gc)');
  await measure(mixedRequests(20_000)); // warm-up, so the first row is not the JIT's
  const mixed: Measurement[] = [];
  for (const size of sizes) mixed.push(await measure(mixedRequests(size)));
  report('Mixed shapes (realistic)', mixed);
  const distinct: Measurement[] = [];
  for (const size of sizes) distinct.push(await measure(distinctRequests(size)));
  report('All distinct shapes (worst case; backfill depth 64)', distinct);
}

void main();
