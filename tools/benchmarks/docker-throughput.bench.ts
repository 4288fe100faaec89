// Throughput of Capstan on Docker: 100 short tasks (`echo hi`) through the engine, the resource manager holding
// exactly N running at once, against the same containers run straight through dockerode by a pool of N workers.
// Batches alternate after a warm-up, in ABBA order (capstan, raw | raw, capstan | ...). Not a test: prints numbers for docs/benchmarks.md.
//   node tools/run-ts.mjs tools/benchmarks/docker-throughput.bench.ts [tasks=100] [rounds=2] [N...=2 4]
import 'reflect-metadata';
import { type Task } from '@capstan/core-constraints';
import { benchTask, machineLine, RawDockerRunner, wireDockerEngine, type DockerWiring } from './docker-bench-kit';

const TARGET_RATIO = 0.95;

interface Batch {
  readonly tasks: number;
  readonly wallMs: number;
  /** CPU time (user + system) of this Node process during the batch. */
  readonly cpuMs: number;
  /** The most tasks the ledger had admitted at once (raw: the pool size). */
  readonly peak: number;
}

const perSecond = (batch: Batch): number => batch.tasks / (batch.wallMs / 1000);

function cpuMsSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

/** All tasks handed to the engine at once; the ledger admits N at a time (each asks for 1/N of the cpus). */
async function capstanBatch(wiring: DockerWiring, task: Task, count: number): Promise<Batch> {
  let running = 0;
  let peak = 0;
  const unsubscribe = wiring.ledger.onEvent((event) => {
    if (event.type === 'admitted') peak = Math.max(peak, ++running);
    if (event.type === 'released') running -= 1;
  });
  const cpu = process.cpuUsage();
  const start = performance.now();
  const results = await Promise.all(Array.from({ length: count }, () => wiring.engine.run(task)));
  const wallMs = performance.now() - start;
  const cpuMs = cpuMsSince(cpu);
  unsubscribe();
  const failed = results.filter((result) => result.state !== 'succeeded');
  if (failed.length > 0) throw new Error(`${failed.length} capstan task(s) did not succeed, e.g. ${JSON.stringify(failed[0]?.error ?? failed[0]?.attempts)}`);
  return { tasks: count, wallMs, cpuMs, peak };
}

/** N workers, each taking the next container until `count` have run. */
async function rawBatch(raw: RawDockerRunner, count: number, concurrency: number): Promise<Batch> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      next += 1;
      const exitCode = await raw.run();
      if (exitCode !== 0) throw new Error(`raw container exited ${exitCode}`);
    }
  };
  const cpu = process.cpuUsage();
  const start = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { tasks: count, wallMs: performance.now() - start, cpuMs: cpuMsSince(cpu), peak: concurrency };
}

function line(label: string, batch: Batch): string {
  return (
    `    ${label.padEnd(8)} ${(batch.wallMs / 1000).toFixed(2).padStart(7)} s  ${perSecond(batch).toFixed(2).padStart(6)} tasks/s` +
    `  node cpu ${(batch.cpuMs / batch.tasks).toFixed(1).padStart(5)} ms/task  peak running ${batch.peak}`
  );
}

async function measure(concurrency: number, count: number, rounds: number): Promise<void> {
  const wiring = await wireDockerEngine();
  const cpus = (await wiring.backend.capacity()).total.cpu;
  // Each task asks for an equal share of the cpus, so the ledger runs exactly `concurrency` at once (memory, 2 GiB a
  // task by default, is not what binds on this machine).
  const task = benchTask('throughput', 'echo hi', cpus / concurrency);
  const raw = await RawDockerRunner.create(wiring, task, wiring.workRoot);
  console.log(`\nN = ${concurrency} (cpu ${task.requirements.cpu} per task of ${cpus}), ${count} tasks per batch, ${rounds} rounds`);
  await capstanBatch(wiring, task, concurrency * 2); // warm-up, both paths
  await rawBatch(raw, concurrency * 2, concurrency);
  const capstan: Batch[] = [];
  const direct: Batch[] = [];
  for (let round = 1; round <= rounds; round++) {
    // ABBA: the path that goes second (and inherits the daemon's after-work of the first) alternates by round.
    const capstanFirst = round % 2 === 1;
    const first = capstanFirst ? await capstanBatch(wiring, task, count) : await rawBatch(raw, count, concurrency);
    const second = capstanFirst ? await rawBatch(raw, count, concurrency) : await capstanBatch(wiring, task, count);
    const [a, b] = capstanFirst ? [first, second] : [second, first];
    capstan.push(a);
    direct.push(b);
    console.log(`  round ${round} (${capstanFirst ? 'capstan first' : 'raw first'})`);
    console.log(line('capstan', a));
    console.log(line('raw', b));
    console.log(`    ratio    ${(perSecond(a) / perSecond(b)).toFixed(3)}`);
  }
  const total = (batches: readonly Batch[]): Batch => ({
    tasks: batches.reduce((sum, batch) => sum + batch.tasks, 0),
    wallMs: batches.reduce((sum, batch) => sum + batch.wallMs, 0),
    cpuMs: batches.reduce((sum, batch) => sum + batch.cpuMs, 0),
    peak: Math.max(...batches.map((batch) => batch.peak)),
  });
  const all = { capstan: total(capstan), raw: total(direct) };
  const ratio = perSecond(all.capstan) / perSecond(all.raw);
  console.log('  all rounds');
  console.log(line('capstan', all.capstan));
  console.log(line('raw', all.raw));
  console.log(`    ratio    ${ratio.toFixed(3)} (target >= ${TARGET_RATIO}: ${ratio >= TARGET_RATIO ? 'meets' : 'MISSES'})`);
  await wiring.dispose();
}

async function main(): Promise<void> {
  const [countArg, roundsArg, ...concurrencyArgs] = process.argv.slice(2);
  const count = Number(countArg ?? 100);
  const rounds = Number(roundsArg ?? 2);
  const levels = concurrencyArgs.length === 0 ? [2, 4] : concurrencyArgs.map(Number);
  console.log(machineLine());
  console.log('command "echo hi" in capstan-test/busybox:1, network none; capstan: engine.run for every task at once; raw: a pool of N');
  console.log('rounds alternate which path goes first (ABBA)');
  for (const concurrency of levels) await measure(concurrency, count, rounds);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
