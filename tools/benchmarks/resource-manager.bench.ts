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

/**
 * A state built so that the per-dimension floor does not help: a GPU task at the head, `waitingShapes` distinct
 * 2-core tasks behind it and one task light on cpu but heavy on memory (so the floor is 1 milli-core and 1 MiB, which
 * fits what is spare, while no waiting task does). Releasing each of many tiny leases then costs one full scan.
 */
async function worstCaseWakeUpMicroseconds(waitingShapes: number): Promise<number> {
  const ledger = new ResourceLedger({ capacity });
  const holders = [
    await ledger.acquire('gpu-holder', { cpu: 0, memory: 0, gpu: 4 }),
    await ledger.acquire('cpu-holder', { cpu: 62.5, memory: 200 * GiB, gpu: 0 }),
  ];
  const tinyCount = 1000;
  const tiny = await Promise.all(
    Array.from({ length: tinyCount }, (_, index) => ledger.acquire(`tiny-${index}`, { cpu: 0.001, memory: 1, gpu: 0 })),
  );
  const parked: Promise<unknown>[] = [ledger.acquire('gpu-head', { cpu: 0, memory: 0, gpu: 1 })];
  parked.push(ledger.acquire('memory-heavy', { cpu: 0.001, memory: 100 * GiB, gpu: 0 }));
  for (let index = 0; index < waitingShapes; index++) {
    parked.push(ledger.acquire(`wide-${index}`, { cpu: 2, memory: 1024 ** 2 + index, gpu: 0 }));
  }
  for (const promise of parked) promise.catch(() => undefined);
  const start = performance.now();
  for (const lease of tiny) lease.release();
  const elapsed = performance.now() - start;
  if (ledger.snapshot().running !== holders.length) throw new Error('the worst case should start nothing');
  ledger.dropQueued('benchmark done');
  return (elapsed * 1000) / tinyCount;
}

const perTaskMs = (result: Measurement): number => (result.enqueueMs + result.drainMs) / result.tasks;

/** A table row; the two ratios compare the per-task time (enqueue + drain) with the first row and the previous one. */
function row(result: Measurement, first: Measurement, previous: Measurement): string {
  const rate = result.tasks / (result.drainMs / 1000);
  return (
    `  ${String(result.tasks).padStart(7)}  ${String(result.shapes).padStart(6)}  ${result.enqueueMs.toFixed(1).padStart(10)}` +
    `  ${result.drainMs.toFixed(1).padStart(8)}  ${Math.round(rate).toLocaleString('en-US').padStart(12)}` +
    `  ${(result.heapBytesPerTask?.toFixed(0) ?? 'n/a').padStart(11)}` +
    `  ${(perTaskMs(result) / perTaskMs(first)).toFixed(2).padStart(8)}x  ${(perTaskMs(result) / perTaskMs(previous)).toFixed(2).padStart(8)}x`
  );
}

function report(label: string, results: readonly Measurement[]): void {
  console.log(`\n${label}`);
  console.log('    tasks  shapes  enqueue ms  drain ms  admissions/s  heap B/task  per-task: vs first  vs previous');
  results.forEach((result, index) => console.log(row(result, results[0] ?? result, results[index - 1] ?? result)));
  const headline = results.find((result) => result.tasks === 100_000);
  if (headline !== undefined) {
    const rate = headline.tasks / (headline.drainMs / 1000);
    const verdict = rate >= targetAdmissionsPerSecond ? 'meets' : 'MISSES';
    console.log(
      `  ${headline.tasks} tasks: ${Math.round(rate).toLocaleString('en-US')} admissions/s ` +
        `(target >= ${targetAdmissionsPerSecond.toLocaleString('en-US')}: ${verdict}), ` +
        `total ${(headline.enqueueMs + headline.drainMs).toFixed(0)} ms`,
    );
  }
}

/** Best of `runs` by total time: on a shared machine the fastest run is the one least disturbed by others. */
async function bestOf(runs: number, requests: readonly ResourceAmounts[]): Promise<Measurement> {
  let best: Measurement | undefined;
  for (let run = 0; run < runs; run++) {
    const result = await measure(requests);
    if (best === undefined || result.enqueueMs + result.drainMs < best.enqueueMs + best.drainMs) best = result;
  }
  if (best === undefined) throw new Error('no runs');
  return best;
}

async function main(): Promise<void> {
  const sizes = [10_000, 50_000, 100_000, 200_000];
  const runsPerSize = 5;
  console.log(`node ${process.version}, capacity 64 cpu / 256 GiB / 4 GPUs, each lease released in the microtask that gets it`);
  console.log(`best of ${runsPerSize} runs per row`);
  if (collectGarbage === undefined) console.log('(heap per task needs NODE_RUN_FLAGS=--expose-gc)');
  await measure(mixedRequests(20_000)); // warm-up, so the first row is not the JIT's
  const mixed: Measurement[] = [];
  for (const size of sizes) mixed.push(await bestOf(runsPerSize, mixedRequests(size)));
  report('Mixed shapes (realistic)', mixed);
  const distinct: Measurement[] = [];
  for (const size of sizes) distinct.push(await bestOf(runsPerSize, distinctRequests(size)));
  report('All distinct shapes (backfill depth 64)', distinct);
  console.log('\nWorst-case wake-up: every release scans the full backfill depth (64) and starts nothing');
  for (const size of sizes) {
    let microseconds = Number.POSITIVE_INFINITY;
    for (let run = 0; run < runsPerSize; run++) microseconds = Math.min(microseconds, await worstCaseWakeUpMicroseconds(size));
    console.log(`  ${String(size).padStart(7)} distinct shapes waiting: ${microseconds.toFixed(2)} us per wake-up`);
  }
}

void main();
