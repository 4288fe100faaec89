// The cost of resource-usage sampling (issue 13), per task and in throughput, on Docker and local: the same tasks run
// with sampling off (engine.usageIntervalSeconds 0), at the default 5 s, and at 0.5 s, interleaved round by round so
// that the machine's load falls on every variant alike; ratios are against "off" in the same run.
// Not a test: prints numbers for docs/benchmarks.md.
//   node tools/run-ts.mjs tools/benchmarks/usage-cost.bench.ts [rounds=6 (0: the reading cost only)] [throughput tasks=16]
import 'reflect-metadata';
import { type Backend, BackendRegistry, DEFAULT_USAGE_INTERVAL_SECONDS, parseTask, type Task } from '@capstan/core-constraints';
import { DockerBackend } from '@capstan/docker-runner';
import { DEFAULT_ENGINE_OPTIONS, TaskEngine, type TaskResult } from '@capstan/engine';
import { LocalBackend } from '@capstan/local-runner';
import { NameGenerator } from '@capstan/naming';
import { ResourceLedger } from '@capstan/resource-manager';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { machineLine, median } from './bench-common';

const TARGET_RATIO = 1.02;
const VARIANTS = [
  { label: 'off', intervalMs: 0 },
  { label: `${DEFAULT_USAGE_INTERVAL_SECONDS} s`, intervalMs: DEFAULT_USAGE_INTERVAL_SECONDS * 1000 },
  { label: '0.5 s', intervalMs: 500 },
] as const;

/** A fixed amount of shell work (about 1-3 s of one CPU here), so that a sampler stealing CPU would lengthen it. */
const WORK = 'i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done';

async function engineOn(backend: Backend, workRoot: string, usageIntervalMs: number): Promise<TaskEngine> {
  const capacity = await backend.capacity();
  return new TaskEngine(new BackendRegistry([backend]), new ResourceLedger({ capacity: capacity.total, perTaskMax: capacity.perTaskMax }), new NameGenerator(), {
    ...DEFAULT_ENGINE_OPTIONS,
    backend: backend.name,
    workRoot,
    shell: 'sh',
    retention: 'delete-on-success',
    usageIntervalMs,
  });
}

function task(name: string, command: string, container: string): Task {
  return parseTask({ name, command, requirements: { container, cpu: 0.1, memory: '64 MiB' }, hints: { shell: 'sh' } });
}

async function timed(run: () => Promise<TaskResult | TaskResult[]>): Promise<number> {
  const start = performance.now();
  const results = [await run()].flat();
  const failed = results.find((result) => result.state !== 'succeeded');
  if (failed) throw new Error(`a task ${failed.state}: ${JSON.stringify(failed.error ?? failed.attempts)}`);
  return performance.now() - start;
}

async function measure(name: string, backend: Backend, container: string, rounds: number, throughputTasks: number): Promise<void> {
  const workRoot = await mkdtemp(join(tmpdir(), 'usage-bench-'));
  try {
    const engines = await Promise.all(VARIANTS.map((variant) => engineOn(backend, workRoot, variant.intervalMs)));
    const perTask: number[][] = VARIANTS.map(() => []);
    const throughput: number[][] = VARIANTS.map(() => []);
    for (const engine of engines) await timed(() => engine.run(task('warm-up', 'true', container)));
    for (let round = 0; round < rounds; round += 1) {
      for (const [index, engine] of engines.entries()) {
        perTask[index]?.push(await timed(() => engine.run(task(`work-${round}`, WORK, container))));
        const batch = Array.from({ length: throughputTasks }, (_, n) => task(`batch-${round}-${n}`, `sleep 2; ${WORK.replace('300000', '30000')}`, container));
        const ms = await timed(() => Promise.all(batch.map((one) => engine.run(one))));
        throughput[index]?.push((throughputTasks * 1000) / ms);
      }
    }
    engines.forEach((engine) => engine.close());
    const base = { task: median(perTask[0] ?? []), rate: median(throughput[0] ?? []) };
    console.log(`\n${name}: ${rounds} rounds; per task: the fixed shell work alone; throughput: ${throughputTasks} tasks at once (sleep 2 and a little work)`);
    console.log(`  ${'sampling'.padEnd(9)} ${'task median'.padStart(12)} ${'ratio'.padStart(7)}   ${'tasks/s median'.padStart(15)} ${'ratio'.padStart(7)}`);
    for (const [index, variant] of VARIANTS.entries()) {
      const taskMs = median(perTask[index] ?? []);
      const rate = median(throughput[index] ?? []);
      console.log(`  ${variant.label.padEnd(9)} ${`${taskMs.toFixed(0)} ms`.padStart(12)} ${(taskMs / base.task).toFixed(3).padStart(7)}   ${rate.toFixed(2).padStart(15)} ${(base.rate / rate).toFixed(3).padStart(7)}`);
    }
  } finally {
    await rm(workRoot, { recursive: true, force: true });
  }
}

/** CPU seconds a process has used so far (its own and its reaped children's), from /proc. */
async function cpuOf(pid: number): Promise<number> {
  const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]?.split(' ') ?? [];
  return [11, 12, 13, 14].reduce((sum, index) => sum + Number(fields[index]), 0) / 100;
}

/**
 * What one reading costs, measured as CPU rather than wall time (which this machine's load makes noisy): a task that
 * sleeps runs with sampling off and at 0.2 s, and the CPU Capstan's own process (and, on Docker, dockerd and
 * containerd, which answer the stats calls) used meanwhile is compared. The cost per reading over the default interval
 * is the share of one CPU sampling takes from the machine.
 */
async function readingCost(name: string, backend: Backend, container: string, daemons: readonly string[]): Promise<void> {
  const workRoot = await mkdtemp(join(tmpdir(), 'usage-bench-'));
  const pids = daemons.flatMap((daemon) => execFileSync('pidof', [daemon], { encoding: 'utf8' }).trim().split(/\s+/).map(Number));
  const seconds = 8;
  try {
    const cost: Array<{ capstan: number; daemons: number; readings: number }> = [];
    for (const intervalMs of [0, 200]) {
      const engine = await engineOn(backend, workRoot, intervalMs);
      await timed(() => engine.run(task('warm-up', 'true', container)));
      const before = { own: process.cpuUsage(), daemons: await Promise.all(pids.map(cpuOf)) };
      const result = await engine.run(task(`sleep-${intervalMs}`, `sleep ${seconds}`, container));
      const own = process.cpuUsage(before.own);
      const after = await Promise.all(pids.map(cpuOf));
      engine.close();
      cost.push({ capstan: (own.user + own.system) / 1e6, daemons: after.reduce((sum, value, index) => sum + value - (before.daemons[index] ?? 0), 0), readings: result.attempts[0]?.usage?.samples ?? 0 });
    }
    const [off, on] = cost;
    if (off === undefined || on === undefined || on.readings === 0) throw new Error('no readings were taken');
    const own = (on.capstan - off.capstan) / on.readings;
    // The daemons serve every engineer's tests on this machine: their share is noisy, and never taken below zero.
    const daemon = Math.max(0, (on.daemons - off.daemons) / on.readings);
    const share = (own + daemon) / DEFAULT_USAGE_INTERVAL_SECONDS;
    console.log(`\n${name}: a ${seconds} s sleep, sampling off and every 0.2 s (${on.readings} readings)`);
    console.log(`  CPU used meanwhile: Capstan ${off.capstan.toFixed(3)} s -> ${on.capstan.toFixed(3)} s${pids.length > 0 ? `, ${daemons.join(' and ')} ${off.daemons.toFixed(2)} s -> ${on.daemons.toFixed(2)} s` : ''}`);
    console.log(`  per reading: Capstan ${(own * 1000).toFixed(2)} ms of CPU${pids.length > 0 ? `, the daemons ${(daemon * 1000).toFixed(2)} ms` : ''}; at the default ${DEFAULT_USAGE_INTERVAL_SECONDS} s interval ${(share * 100).toFixed(3)}% of one CPU per running task (ratio ${(1 + share).toFixed(4)} for a CPU-bound task)`);
  } finally {
    await rm(workRoot, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const rounds = Number(process.argv[2] ?? 6);
  const throughputTasks = Number(process.argv[3] ?? 16);
  console.log(machineLine());
  console.log(`target: sampling at the default interval within ${TARGET_RATIO}x of off, per task and in throughput (ratio > 1: slower)`);
  const docker = new DockerBackend({ network: 'none', graceSeconds: 2 });
  const local = new LocalBackend({ graceSeconds: 2 });
  await readingCost('docker', docker, 'capstan-test/busybox:1', ['dockerd', 'containerd']);
  await readingCost('local', local, '*', []);
  if (rounds > 0) {
    await measure('docker', docker, 'capstan-test/busybox:1', rounds, throughputTasks);
    await measure('local', local, '*', rounds, throughputTasks);
  }
  console.log(machineLine());
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
