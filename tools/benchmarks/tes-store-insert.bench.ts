// What storing a created TES task costs (issue 14), without HTTP: tes-store's SqliteTesTaskStore.insertCreated (the
// path the server's group commit takes) against the baseline of tes-api-baseline.mjs (one table with a unique id, one
// JSON body per row), both better-sqlite3 in WAL mode with `synchronous = NORMAL`, in this process, one after the
// other, same task body as tes-api.bench.ts. For each batch size (creates per transaction): microseconds per create
// (median of the rounds), and the bytes this process wrote per create (`wchar` of /proc/self/io over the round: the
// WAL's frames and the checkpoints' copies into the database file). Not a test: prints numbers, asserts no time.
//   node tools/run-ts.mjs tools/benchmarks/tes-store-insert.bench.ts [creates per round=4000] [rounds=5] [batch sizes=1,10,100]
import { createStoredTask, validateCreateTask } from '@capstan/tes-model';
import { SqliteTesTaskStore } from '@capstan/tes-store';
import Database from 'better-sqlite3';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BENCH_TES_TASK, machineLine, median } from './bench-common';

const creates = Number(process.argv[2] ?? 4000);
const rounds = Number(process.argv[3] ?? 5);
const batches = (process.argv[4] ?? '1,10,100').split(',').map(Number);
const BODY = BENCH_TES_TASK;

interface Arm {
  readonly name: string;
  /** Makes `count` new tasks ready (not timed), and returns what stores them, `batch` to a transaction (timed). */
  readonly prepare: (count: number, batch: number) => () => void;
  readonly close: () => void;
}

function capstanArm(folder: string): Arm {
  const file = join(folder, 'capstan.sqlite');
  const store = new SqliteTesTaskStore({ file });
  return {
    name: 'capstan (tes-store insertCreated)',
    prepare: (count, batch) => {
      const groups: ReturnType<typeof createStoredTask>[][] = [];
      for (let done = 0; done < count; done += batch) groups.push(Array.from({ length: Math.min(batch, count - done) }, () => createStoredTask(validateCreateTask(BODY))));
      const owners = Array.from({ length: batch }, () => 'token-1');
      return () => {
        for (const tasks of groups) store.insertCreated(tasks, owners.slice(0, tasks.length));
      };
    },
    close: () => store.close(),
  };
}

function baselineArm(folder: string): Arm {
  const file = join(folder, 'baseline.sqlite');
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec('CREATE TABLE IF NOT EXISTS tasks (seq INTEGER PRIMARY KEY, id TEXT UNIQUE NOT NULL, state TEXT NOT NULL, name TEXT, body TEXT NOT NULL)');
  const insert = db.prepare('INSERT INTO tasks (id, state, name, body) VALUES (?, ?, ?, ?)');
  const many = db.transaction((count: number) => {
    for (let index = 0; index < count; index += 1) insert.run(randomUUID(), 'QUEUED', BODY.name, JSON.stringify(BODY));
  });
  return {
    name: 'baseline (one table, unique id)',
    // As the baseline server does per create: a random id and the body as JSON text, then the insert.
    prepare: (count, batch) => () => {
      for (let done = 0; done < count; done += batch) many(Math.min(batch, count - done));
    },
    close: () => db.close(),
  };
}

/** Bytes this process has passed to write calls so far (files and pipes alike; the benchmark prints only its table). */
function writtenBytes(): number {
  return Number(/^wchar: ([0-9]+)$/m.exec(readFileSync('/proc/self/io', 'utf8'))?.[1] ?? Number.NaN);
}

function main(): void {
  const folder = mkdtempSync(join(tmpdir(), 'capstan-store-insert-'));
  try {
    console.log(`tes-store insert benchmark; ${machineLine()}; ${creates} creates a round, ${rounds} rounds; capstan's tasks are validated and built before the clock starts`);
    console.log('| batch (creates per commit) | capstan µs per create | baseline µs per create | ratio (capstan / baseline) | capstan KiB written per create | baseline KiB written per create |');
    console.log('|---:|---:|---:|---:|---:|---:|');
    const arms = [capstanArm(folder), baselineArm(folder)] as const;
    for (const arm of arms) arm.prepare(2000, 10)();
    for (const batch of batches) {
      const micros: number[][] = [[], []];
      const pages: number[][] = [[], []];
      for (let round = 0; round < rounds; round += 1) {
        for (const [index, arm] of (round % 2 === 0 ? arms.entries() : [...arms.entries()].reverse()) as Iterable<[number, Arm]>) {
          const insert = arm.prepare(creates, batch);
          const writtenBefore = writtenBytes();
          const start = performance.now();
          insert();
          micros[index]?.push(((performance.now() - start) * 1000) / creates);
          pages[index]?.push((writtenBytes() - writtenBefore) / 1024 / creates);
        }
      }
      const [capstan, baseline] = micros.map((values) => median(values)) as [number, number];
      const [capstanPages, baselinePages] = pages.map((values) => median(values)) as [number, number];
      console.log(`| ${batch} | ${capstan.toFixed(1)} | ${baseline.toFixed(1)} | ${(capstan / baseline).toFixed(2)}x | ${capstanPages.toFixed(1)} | ${baselinePages.toFixed(1)} |`);
    }
    for (const arm of arms) arm.close();
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

main();
