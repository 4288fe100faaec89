// Soak of a long-running TES server: 100,000 tasks through the HTTP API of one in-process server, on an in-memory
// backend that ends every attempt at once (so what is measured is Capstan's own per-task memory, not a runtime's).
// Tasks go in rounds; after each round every task has ended and two full collections ran, and the heap is recorded.
// Heap per task is the slope over the rounds after the first (which warms caches, JIT and the store). Not a test:
// prints numbers for docs/benchmarks.md, asserts nothing.
//   NODE_RUN_FLAGS=--expose-gc node tools/run-ts.mjs tools/benchmarks/tes-soak.bench.ts [tasks=100000] [round=10000] [concurrency=32]
import 'reflect-metadata';
import {
  type Backend,
  type BackendCapabilities,
  type BackendCapacity,
  type BackendProbe,
  type ExecutionResult,
  registerBackend,
} from '@capstan/core-constraints';
import { DockerBackend } from '@capstan/docker-runner';
import { startTesServer } from '@capstan/wiring';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { machineLine } from './bench-common';

const total = Number(process.argv[2] ?? 100_000);
const roundSize = Number(process.argv[3] ?? 10_000);
const concurrency = Number(process.argv[4] ?? 32);
const MB = 1024 * 1024;
const collectGarbage = (globalThis as { gc?: () => void }).gc;

/** Ends every attempt at once with exit 0: the fastest backend there can be. */
class InstantBackend implements Backend {
  readonly name = 'soak';
  // It claims what Docker's backend claims, so that tasks resolve as they would there.
  readonly capabilities: BackendCapabilities = new DockerBackend({ swarm: 'off' }).capabilities;
  private readonly amounts = { cpu: 1024, memory: 1024 * 1024 * MB, gpu: 0 };

  probe(): Promise<BackendProbe> {
    return Promise.resolve({ available: true, problems: [], details: {} });
  }

  capacity(): Promise<BackendCapacity> {
    return Promise.resolve({ total: this.amounts, perTaskMax: this.amounts, fpga: 0, containerKinds: this.capabilities.containerKinds });
  }

  execute(): Promise<ExecutionResult> {
    const now = new Date();
    return Promise.resolve({ exitCode: 0, endReason: 'exited', startedAt: now, endedAt: now });
  }
}

async function heapAfterGc(): Promise<{ heapUsed: number; rss: number }> {
  await new Promise((resolve) => setImmediate(resolve));
  collectGarbage?.();
  collectGarbage?.();
  const { heapUsed, rss } = process.memoryUsage();
  return { heapUsed, rss };
}

async function main(): Promise<void> {
  if (collectGarbage === undefined) console.warn('no --expose-gc: heap numbers include garbage (set NODE_RUN_FLAGS=--expose-gc)');
  const dataDir = mkdtempSync(join(tmpdir(), 'capstan-soak-'));
  const server = await startTesServer({
    flags: { backend: 'soak', 'api.host': '127.0.0.1', 'api.port': 0, 'api.dataDir': dataDir, 'api.auth.disabled': true, 'api.maxRunningTasks': 64 },
    logStream: { write: () => true },
    registerBackends: (container) => registerBackend(container, () => new InstantBackend()),
  });
  let ended = 0;
  const states = new Map<string, number>();
  let onEnded: (() => void) | undefined;
  server.service.subscribe((event) => {
    if (event.type !== 'state' || !['COMPLETE', 'EXECUTOR_ERROR', 'SYSTEM_ERROR', 'CANCELED'].includes(event.state)) return;
    ended += 1;
    states.set(event.state, (states.get(event.state) ?? 0) + 1);
    onEnded?.();
  });
  const body = JSON.stringify({ name: 'soak', executors: [{ image: 'capstan-test/busybox:1', command: ['true'] }] });
  let claimed = 0;
  const createOne = async (): Promise<void> => {
    const response = await fetch(`${server.url}/tasks`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    if (response.status !== 200) throw new Error(`create answered ${response.status}: ${await response.text()}`);
    await response.arrayBuffer();
  };

  console.log(`TES soak: ${total} tasks in rounds of ${roundSize}, ${concurrency} creates in flight; ${machineLine()}`);
  const rounds: Array<{ tasks: number; heapUsed: number; rss: number; seconds: number }> = [];
  const started = performance.now();
  for (let done = 0; done < total; done += roundSize) {
    const target = Math.min(total, done + roundSize);
    const roundStart = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        // Claimed before the await, so that the workers together send exactly `target`.
        while (claimed < target) {
          claimed += 1;
          await createOne();
        }
      }),
    );
    await new Promise<void>((resolve) => {
      onEnded = () => {
        if (ended >= target) resolve();
      };
      onEnded();
    });
    onEnded = undefined;
    const memory = await heapAfterGc();
    const seconds = (performance.now() - roundStart) / 1000;
    rounds.push({ tasks: target, ...memory, seconds });
    console.log(`  after ${String(target).padStart(7)} tasks: heap ${(memory.heapUsed / MB).toFixed(1)} MB, rss ${(memory.rss / MB).toFixed(1)} MB (${(roundSize / seconds).toFixed(0)} tasks/s)`);
  }
  const first = rounds[0] ?? { tasks: 0, heapUsed: 0, rss: 0 };
  const last = rounds[rounds.length - 1] ?? first;
  const perTask = (last.heapUsed - first.heapUsed) / Math.max(1, last.tasks - first.tasks);
  const rssPerTask = (last.rss - first.rss) / Math.max(1, last.tasks - first.tasks);
  console.log(`ended: ${[...states].map(([state, count]) => `${state} ${count}`).join(', ')} in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  console.log(`heap per task after GC (rounds 2..${rounds.length}): ${perTask.toFixed(1)} bytes; rss per task ${rssPerTask.toFixed(1)} bytes`);
  await server.close();
  rmSync(dataDir, { recursive: true, force: true });
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
