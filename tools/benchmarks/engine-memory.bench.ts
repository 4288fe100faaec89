// Engine memory with 10,000 queued tasks: a TaskEngine wired on the real DockerBackend, its ledger held full by one
// lease, and 10,000 engine.run() calls parked in admission. Measures RSS and heap before and after, then cancels
// and checks every result is 'canceled' and the ledger is empty. Not a test: prints numbers for docs/benchmarks.md.
//   NODE_RUN_FLAGS=--expose-gc node tools/run-ts.mjs tools/benchmarks/engine-memory.bench.ts [tasks=10000]
import 'reflect-metadata';
import { type AdmissionEvent, type ResourceAmounts } from '@capstan/core-constraints';
import { type TaskResult } from '@capstan/engine';
import { ResourceLedger } from '@capstan/resource-manager';
import { benchTask, machineLine, wireDockerEngine, type DockerWiring } from './docker-bench-kit';

const TARGET_RSS_MB = 200;
const MB = 1024 * 1024;

const collectGarbage: (() => void) | undefined = (globalThis as { gc?: () => void }).gc;

interface Memory {
  readonly rss: number;
  readonly heapUsed: number;
  readonly external: number;
}

/** Memory after two full collections (when --expose-gc is given; otherwise as it is). */
async function settledMemory(): Promise<Memory> {
  await new Promise((resolve) => setImmediate(resolve));
  collectGarbage?.();
  collectGarbage?.();
  const { rss, heapUsed, external } = process.memoryUsage();
  return { rss, heapUsed, external };
}

/** Resolves once `count` tasks are parked in the ledger (engine.run awaits the backend's capacity before it asks). */
async function untilQueued(wiring: DockerWiring, count: number): Promise<void> {
  while (wiring.ledger.snapshot().queued < count) await new Promise((resolve) => setImmediate(resolve));
}

interface Round {
  readonly before: Memory;
  readonly queued: Memory;
  /** After every result came back and was dropped, the engine still alive. */
  readonly after: Memory;
  /** After the engine, its ledger and backend were dropped too (filled in by the caller). */
  dropped?: Memory;
  readonly enqueueMs: number;
  readonly cancelCallMs: number;
  readonly settleMs: number;
  readonly states: ReadonlyMap<string, number>;
  readonly errorCodes: ReadonlyMap<string, number>;
  readonly ledgerEmpty: boolean;
  readonly ledgerAfter: string;
}

function countBy<T>(items: readonly T[], key: (item: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
}

/** One measured round; the memory once the engine itself is gone is taken after this returns. */
async function measuredRound(count: number): Promise<Round> {
  const result = await round(count);
  result.dropped = await settledMemory();
  return result;
}

async function round(count: number): Promise<Round> {
  const wiring = await wireDockerEngine();
  const { engine, ledger } = wiring;
  const task = benchTask('queued', 'true');
  const capacity = ledger.snapshot().capacity;
  // One lease holds the whole machine: every task the engine admits after it parks.
  const blocker = await ledger.acquire('blocker', capacity);
  await engine.plan(task); // the daemon's answer (cpus, memory) is cached before the baseline
  const before = await settledMemory();

  const enqueueStart = performance.now();
  const runs: Array<Promise<TaskResult>> = [];
  for (let index = 0; index < count; index++) runs.push(engine.run(task));
  await untilQueued(wiring, count);
  const enqueueMs = performance.now() - enqueueStart;
  const queued = await settledMemory();

  const cancelStart = performance.now();
  engine.drain();
  const cancelCallMs = performance.now() - cancelStart;
  const results = await Promise.all(runs);
  const settleMs = performance.now() - cancelStart;
  blocker.release();
  const snapshot = ledger.snapshot();
  const ledgerEmpty = snapshot.queued === 0 && snapshot.running === 0 && snapshot.inUse.cpu === 0 && snapshot.inUse.memory === 0 && snapshot.inUse.gpu === 0;
  const states = countBy(results, (result) => result.state);
  const errorCodes = countBy(results, (result) => result.error?.code ?? '(none)');
  runs.length = 0;
  results.length = 0;
  await wiring.dispose();
  const after = await settledMemory();
  return { before, queued, after, enqueueMs, cancelCallMs, settleMs, states, errorCodes, ledgerEmpty, ledgerAfter: JSON.stringify(snapshot) };
}

const mb = (bytes: number): string => (bytes / MB).toFixed(1).padStart(7);

function report(label: string, result: Round, count: number): void {
  const { before, queued, after } = result;
  console.log(`\n${label}`);
  console.log(`  enqueue (${count} engine.run calls until all parked): ${result.enqueueMs.toFixed(0)} ms`);
  console.log('                 rss MB   heapUsed MB   external MB');
  console.log(`  before       ${mb(before.rss)}       ${mb(before.heapUsed)}       ${mb(before.external)}`);
  console.log(`  ${String(count).padEnd(6)}queued${mb(queued.rss)}       ${mb(queued.heapUsed)}       ${mb(queued.external)}`);
  console.log(`  after cancel ${mb(after.rss)}       ${mb(after.heapUsed)}       ${mb(after.external)}   (every result back and dropped; engine alive)`);
  const dropped = result.dropped ?? after;
  console.log(`  engine gone  ${mb(dropped.rss)}       ${mb(dropped.heapUsed)}       ${mb(dropped.external)}   (engine, ledger and backend dropped too)`);
  const perTask = (a: number, b: number): string => ((b - a) / count).toFixed(0);
  console.log(
    `  per queued task: rss +${perTask(before.rss, queued.rss)} B, heapUsed +${perTask(before.heapUsed, queued.heapUsed)} B; ` +
      `heap still held after all ended: +${perTask(before.heapUsed, after.heapUsed)} B/task with the engine alive, ` +
      `+${perTask(before.heapUsed, dropped.heapUsed)} B/task once it is gone`,
  );
  const verdict = queued.rss / MB < TARGET_RSS_MB ? 'meets' : 'MISSES';
  console.log(`  RSS with ${count} queued: ${(queued.rss / MB).toFixed(1)} MB (target < ${TARGET_RSS_MB} MB: ${verdict})`);
  console.log(
    `  cancel: engine.drain() returned in ${result.cancelCallMs.toFixed(1)} ms; all ${count} results back ${result.settleMs.toFixed(0)} ms after it was called`,
  );
  console.log(`  states: ${[...result.states].map(([state, n]) => `${state} ${n}`).join(', ')}; error codes: ${[...result.errorCodes].map(([code, n]) => `${code} ${n}`).join(', ')}`);
  const allCanceled = result.states.get('canceled') === count && result.states.size === 1;
  console.log(`  all canceled: ${allCanceled ? 'yes' : 'NO'}; ledger empty after the blocker's release: ${result.ledgerEmpty ? 'yes' : `NO ${result.ledgerAfter}`}`);
}

interface LedgerCase {
  readonly label: string;
  /** Each task gets its own AbortSignal.any([run-wide signal]), as engine.run makes one per task. */
  readonly signalPerTask: boolean;
  /** `each`: one ledger listener per task filtering on its name, as engine.run subscribes; `shared`: one listener for all. */
  readonly listeners: 'none' | 'each' | 'shared';
}

interface LedgerFigures {
  readonly heapBytesPerTask: number;
  readonly enqueueMs: number;
  readonly dropMs: number;
  /** How many times a listener was called, over enqueue and drop. */
  readonly listenerCalls: number;
}

/**
 * Where the engine's per-task cost comes from, on a bare ResourceLedger with the same tasks parked: the parked
 * acquisition alone, plus the per-task AbortSignal.any, plus a ledger listener per task (engine.run's
 * `resources.onEvent`), against one shared listener that finds the task in a Map (what the engine could do).
 */
async function ledgerCase(count: number, options: LedgerCase, capacity: ResourceAmounts): Promise<LedgerFigures> {
  const ledger = new ResourceLedger({ capacity });
  const blocker = await ledger.acquire('blocker', capacity);
  const run = new AbortController();
  const request = { cpu: 1, memory: 2 * 1024 ** 3, gpu: 0 };
  const seen = new Map<string, number>();
  const unsubscribers: Array<() => void> = [];
  let listenerCalls = 0;
  if (options.listeners === 'shared') {
    unsubscribers.push(
      ledger.onEvent((event: AdmissionEvent) => {
        listenerCalls += 1;
        const known = seen.get(event.taskName);
        if (known !== undefined && event.type !== 'dropped') seen.set(event.taskName, known + 1);
      }),
    );
  }
  const heapBefore = (await settledMemory()).heapUsed;
  const start = performance.now();
  const parked: Array<Promise<unknown>> = [];
  for (let index = 0; index < count; index++) {
    const name = `task-${index}`;
    if (options.listeners === 'each') {
      unsubscribers.push(
        ledger.onEvent((event: AdmissionEvent) => {
          listenerCalls += 1;
          if (event.taskName !== name || event.type === 'dropped') return;
          seen.set(name, (seen.get(name) ?? 0) + 1);
        }),
      );
    } else if (options.listeners === 'shared') {
      seen.set(name, 0);
    }
    const signal = options.signalPerTask ? AbortSignal.any([run.signal]) : run.signal;
    parked.push(ledger.acquire(name, request, signal).catch(() => undefined));
  }
  const enqueueMs = performance.now() - start;
  const heapQueued = (await settledMemory()).heapUsed;
  const dropStart = performance.now();
  ledger.dropQueued('benchmark done');
  const dropMs = performance.now() - dropStart;
  await Promise.all(parked);
  unsubscribers.forEach((unsubscribe) => unsubscribe());
  blocker.release();
  return { heapBytesPerTask: (heapQueued - heapBefore) / count, enqueueMs, dropMs, listenerCalls };
}

async function ledgerAttribution(count: number, capacity: ResourceAmounts): Promise<void> {
  const cases: LedgerCase[] = [
    { label: 'parked acquire, one run-wide signal', signalPerTask: false, listeners: 'none' },
    { label: '+ AbortSignal.any per task', signalPerTask: true, listeners: 'none' },
    { label: '+ a ledger listener per task (engine.run before the fix)', signalPerTask: true, listeners: 'each' },
    { label: 'per-task signal, one shared listener + Map', signalPerTask: true, listeners: 'shared' },
  ];
  console.log(`
Attribution on a bare ResourceLedger, ${count} parked tasks (the engine's admission path without the engine)`);
  console.log(`  ${'case'.padEnd(50)} heap B/task  enqueue ms  dropQueued ms  listener calls`);
  await ledgerCase(Math.min(count, 1000), cases[2] ?? { label: '', signalPerTask: true, listeners: 'each' }, capacity); // warm-up
  for (const options of cases) {
    const figures = await ledgerCase(count, options, capacity);
    console.log(
      `  ${options.label.padEnd(50)} ${figures.heapBytesPerTask.toFixed(0).padStart(11)}  ${figures.enqueueMs.toFixed(0).padStart(10)}  ${figures.dropMs.toFixed(0).padStart(13)}  ${figures.listenerCalls.toLocaleString('en-US').padStart(14)}`,
    );
  }
}

async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? 10_000);
  console.log(machineLine());
  if (collectGarbage === undefined) console.log('(without NODE_RUN_FLAGS=--expose-gc the figures include garbage not yet collected)');
  await round(Math.min(count, 500)); // warm-up: code paths compiled and loaded before the measured round's baseline
  report(`Round 1: ${count} tasks`, await measuredRound(count), count);
  report(`Round 2: ${count} tasks (a fresh engine in the same process)`, await measuredRound(count), count);
  await ledgerAttribution(count, { cpu: 2, memory: 16 * 1024 ** 3, gpu: 0 });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
