// Scale on Slurm (issue 15): how many tasks one Capstan process keeps in flight on a Slurm cluster, and what that
// costs it. Grows the number of running tasks (long sleeps) size by size through ONE TaskEngine wired for
// `backend: slurm` (the real SlurmBackend), and at each size, once every task runs, measures for a window: the
// process's RSS (VmRSS, VmHWM), its CPU time and event-loop delay, the Slurm commands it ran (PATH shims given as
// slurm.binDir log and time every call) and the event latency: the controller's log dates each job's start and end
// (milliseconds), Capstan's `started` and `attempt-ended` events are dated as they arrive; probe tasks (sleep 5)
// started in the window give end latencies. Then cancels everything and checks that no job is left.
// Runs on a benchmark-only Slurm cluster (scale-slurm.sh: own conf, ports, state, one node claiming many CPUs),
// never on the shared one of tools/engines/slurm.sh, which only lends its munged. Stops growing before the machine's
// free memory would drop below a third of what it was. Not a test: prints numbers for docs/benchmarks.md.
//   node tools/run-ts.mjs tools/benchmarks/scale.bench.ts [SIZE...=50 200 500 1000 2000] [--runtime=stand-in|apptainer]
//     [--poll=MS=1000] [--window=S=60] [--probes=N=10]
// --runtime=apptainer runs the real Apptainer on a test SIF; stand-in (default) runs scale-runtime.sh in its place.
import 'reflect-metadata';
import { BackendRegistry, parseTask, type Task } from '@capstan/core-constraints';
import { EngineOptions, TaskEngine, type TaskResult } from '@capstan/engine';
import { NameGenerator } from '@capstan/naming';
import { registerResourceManager } from '@capstan/resource-manager';
import { registerSlurmBackend, SlurmBackend, type SlurmBackendOptionsInput } from '@capstan/slurm-runner';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { container as rootContainer } from 'tsyringe';
import { loadAverage, machineLine, percentile } from './bench-common';
import { controllerTimes, linearFit, memAvailableMiB, processMemory, readShimLog, type ShimCall, SHIMMED, startCluster, writeShims } from './scale-kit';

const run = promisify(execFile);
const SIF = '/var/lib/capstan/test-images/busybox.sif';
/** Linux's limit on ONE argument (MAX_ARG_STRLEN, 32 pages): squeue's --jobs=ID,ID,... is one. */
const MAX_ARG_STRLEN = 131_072;
const arg = (name: string, fallback: string): string => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

interface Step {
  readonly size: number;
  readonly rampS: number;
  readonly rssMiB: number;
  readonly hwmMiB: number;
  readonly heapMiB: number;
  readonly cpuPercent: number;
  readonly loopDelayP99Ms: number;
  readonly perMinute: Record<string, number>;
  readonly squeueMeanMs: number;
  readonly squeueMaxMs: number;
  readonly squeueArgBytes: number;
  readonly startLatency: number[];
  readonly endLatency: number[];
  readonly load: string;
}

/** Capstan's view of each job: when its `started` and `attempt-ended` events came. */
class Seen {
  readonly started = new Map<string, number>();
  readonly ended = new Map<string, number>();
  longRunning = 0;

  launch(engine: TaskEngine, task: Task, signal: AbortSignal, long: boolean): Promise<TaskResult> {
    let jobId: string | undefined;
    return engine.run(task, {
      signal,
      onEvent: (event) => {
        if (event.type === 'backend' && event.event.type === 'started') {
          jobId = event.event.id;
          this.started.set(jobId, Date.now());
          if (long) this.longRunning += 1;
        } else if (event.type === 'attempt-ended' && jobId !== undefined) {
          this.ended.set(jobId, Date.now());
        }
      },
    });
  }
}

async function wire(workRoot: string, options: SlurmBackendOptionsInput): Promise<{ engine: TaskEngine; backend: SlurmBackend }> {
  const container = rootContainer.createChildContainer();
  registerSlurmBackend(container, options);
  const registry = BackendRegistry.fromContainer(container);
  container.registerInstance(BackendRegistry, registry);
  const backend = registry.get('slurm');
  if (!(backend instanceof SlurmBackend)) throw new Error('the slurm backend is not a SlurmBackend');
  const probe = await backend.probe();
  if (!probe.available) throw new Error(`the benchmark cluster is not usable: ${probe.problems.join('; ')}`);
  const capacity = await backend.capacity();
  registerResourceManager(container, { capacity: capacity.total, perTaskMax: capacity.perTaskMax, unlimited: true });
  container.registerInstance(NameGenerator, new NameGenerator());
  const engineOptions: EngineOptions = { backend: 'slurm', workRoot, shell: 'sh', cpuLimitBehavior: 'deny', memoryLimitBehavior: 'deny', gpuLimitBehavior: 'deny', retention: 'delete-always' };
  container.registerInstance(EngineOptions, engineOptions);
  return { engine: container.resolve(TaskEngine), backend };
}

function latencies(seen: Map<string, number>, slurm: Map<string, { started?: number; ended?: number }>, ids: Iterable<string>, which: 'started' | 'ended'): number[] {
  const values: number[] = [];
  for (const id of ids) {
    const capstan = seen.get(id);
    const scheduler = slurm.get(id)?.[which];
    if (capstan !== undefined && scheduler !== undefined) values.push(capstan - scheduler);
  }
  return values;
}

const ms = (values: number[]): string =>
  values.length === 0 ? 'none' : `p50 ${percentile(values, 0.5).toFixed(0)} p95 ${percentile(values, 0.95).toFixed(0)} max ${Math.max(...values).toFixed(0)} ms (${values.length})`;

async function main(): Promise<void> {
  const sizes = process.argv.slice(2).filter((a) => /^[0-9]+$/.test(a)).map(Number);
  const levels = sizes.length === 0 ? [50, 200, 500, 1000, 2000] : sizes.sort((a, b) => a - b);
  const runtime = arg('runtime', 'stand-in');
  const pollMs = Number(arg('poll', '1000'));
  const windowMs = Number(arg('window', '60')) * 1000;
  const probes = Number(arg('probes', '10'));
  const dir = await mkdtemp(join(tmpdir(), 'capstan-scale-bench-'));
  const log = join(dir, 'slurm-calls.log');
  const largest = levels[levels.length - 1] ?? 0;
  const cluster = await startCluster(join(dir, 'cluster'), largest + probes + 16);
  // The backend hands SLURM_CONF on to sbatch and reads it for every command: the benchmark's cluster, not the shared one.
  process.env['SLURM_CONF'] = cluster.conf;
  const abort = new AbortController();
  const longs: Array<Promise<TaskResult>> = [];
  const seen = new Seen();
  const steps: Step[] = [];
  try {
    const { engine, backend } = await wire(join(dir, 'work'), {
      binDir: await writeShims(join(dir, 'shims'), log),
      runtime: 'apptainer',
      ...(runtime === 'stand-in' ? { runtimeBinary: join(process.cwd(), 'tools/benchmarks/scale-runtime.sh') } : {}),
      accounting: false,
      pollIntervalMs: pollMs,
      maxConcurrentSubmits: 4,
    });
    const task = (name: string, command: string): Task => parseTask({ name, command, requirements: { container: SIF, cpu: 1, memory: '16 MiB' }, hints: { shell: 'sh' } });
    const longTask = task('scale-long', 'sleep 86400');
    const probeTask = task('scale-probe', 'sleep 5');
    const base = await processMemory(process.pid);
    const availableAtStart = await memAvailableMiB();
    console.log(machineLine());
    console.log(`runtime ${runtime}; poll interval ${pollMs} ms; window ${windowMs / 1000} s; ${probes} probe tasks (sleep 5) per window; nodes: ${(await run('sinfo', ['-h', '-N', '-o', '%N %c CPUs'])).stdout.trim()}`);
    console.log(`capstan process before any task: VmRSS ${base.rssMiB.toFixed(1)} MiB; machine MemAvailable ${availableAtStart.toFixed(0)} MiB`);
    for (const size of levels) {
      const available = await memAvailableMiB();
      const perJob = longs.length === 0 ? 0 : (availableAtStart - available) / longs.length;
      if (available - perJob * (size - longs.length) < availableAtStart / 3) {
        console.log(`\nstopping before ${size}: at ${longs.length} jobs the machine has ${available.toFixed(0)} MiB free (${perJob.toFixed(1)} MiB a job); ${size} would leave less than a third`);
        break;
      }
      const rampStart = Date.now();
      const startedBefore = new Set(seen.started.keys());
      while (longs.length < size) longs.push(seen.launch(engine, longTask, abort.signal, true));
      while (seen.longRunning < size) {
        if (Date.now() - rampStart > 30 * 60_000) throw new Error(`only ${seen.longRunning} of ${size} tasks run after 30 min`);
        await sleep(200);
      }
      const rampS = (Date.now() - rampStart) / 1000;
      const rampIds = [...seen.started.keys()].filter((id) => !startedBefore.has(id));
      await sleep(2 * pollMs);
      const loop = monitorEventLoopDelay({ resolution: 10 });
      loop.enable();
      const t0 = Date.now();
      const cpu0 = process.cpuUsage();
      const beforeProbes = new Set(seen.started.keys());
      const probeRuns = Array.from({ length: probes }, () => seen.launch(engine, probeTask, abort.signal, false));
      await sleep(windowMs);
      const probeResults = await Promise.all(probeRuns);
      const t1 = Date.now();
      const cpu = process.cpuUsage(cpu0);
      loop.disable();
      const failed = probeResults.filter((result) => result.state !== 'succeeded');
      if (failed.length > 0) throw new Error(`${failed.length} probe task(s) did not succeed: ${JSON.stringify(failed[0]?.error ?? failed[0]?.attempts)}`);
      const calls = (await readShimLog(log)).filter((call) => call.startMs >= t0 && call.startMs < t1);
      const squeues = calls.filter((call) => call.command === 'squeue' && call.longestArgument > 0);
      const slurm = await controllerTimes(cluster.controllerLog);
      const probeIds = [...seen.started.keys()].filter((id) => !beforeProbes.has(id));
      const memory = await processMemory(process.pid);
      const minutes = (t1 - t0) / 60_000;
      const perMinute = Object.fromEntries(SHIMMED.map((command) => [command, calls.filter((call) => call.command === command).length / minutes]));
      const duration = (call: ShimCall): number => call.endMs - call.startMs;
      const step: Step = {
        size,
        rampS,
        rssMiB: memory.rssMiB,
        hwmMiB: memory.hwmMiB,
        heapMiB: process.memoryUsage().heapUsed / 2 ** 20,
        cpuPercent: ((cpu.user + cpu.system) / 1000 / (t1 - t0)) * 100,
        loopDelayP99Ms: loop.percentile(99) / 1e6,
        perMinute,
        squeueMeanMs: squeues.reduce((sum, call) => sum + duration(call), 0) / Math.max(1, squeues.length),
        squeueMaxMs: Math.max(0, ...squeues.map(duration)),
        squeueArgBytes: Math.max(0, ...squeues.map((call) => call.longestArgument)),
        startLatency: [...latencies(seen.started, slurm, rampIds, 'started'), ...latencies(seen.started, slurm, probeIds, 'started')],
        endLatency: latencies(seen.ended, slurm, probeIds, 'ended'),
        load: loadAverage(),
      };
      steps.push(step);
      console.log(`\n${size} tasks in flight (ramp ${rampS.toFixed(1)} s; load average ${step.load}; MemAvailable ${(await memAvailableMiB()).toFixed(0)} MiB)`);
      console.log(`  capstan process: VmRSS ${step.rssMiB.toFixed(1)} MiB, VmHWM ${step.hwmMiB.toFixed(1)} MiB, heap ${step.heapMiB.toFixed(1)} MiB; CPU ${step.cpuPercent.toFixed(1)} % of a core; event-loop delay p99 ${step.loopDelayP99Ms.toFixed(1)} ms`);
      console.log(`  slurm calls per minute: ${SHIMMED.map((command) => `${command} ${(perMinute[command] ?? 0).toFixed(1)}`).join(', ')}`);
      console.log(`  squeue: ${step.squeueMeanMs.toFixed(0)} ms mean, ${step.squeueMaxMs.toFixed(0)} ms max; its --jobs argument ${step.squeueArgBytes} bytes`);
      console.log(`  start latency (controller started the job -> capstan's started event): ${ms(step.startLatency)}`);
      console.log(`  end latency (controller's job complete -> capstan's attempt-ended event): ${ms(step.endLatency)}`);
    }
    const cancelStart = Date.now();
    const cancelsBefore = backend.commandCounts().scancel;
    abort.abort();
    const ends = await Promise.all(longs);
    const notCanceled = ends.filter((result) => result.state !== 'canceled').length;
    const cancelS = (Date.now() - cancelStart) / 1000;
    const left = (await run('squeue', ['-h', '-o', '%i %T'])).stdout.trim();
    console.log(`\ncanceled ${longs.length} tasks in ${cancelS.toFixed(1)} s with ${backend.commandCounts().scancel - cancelsBefore} scancel call(s); ${notCanceled} ended otherwise; squeue afterwards: ${left === '' ? 'empty' : left.split('\n').length + ' jobs left'}`);
    backend.close();
    extrapolate(steps, pollMs);
  } finally {
    abort.abort();
    await cluster.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

/** Straight lines through the measured sizes, read at 20,000. */
function extrapolate(steps: readonly Step[], pollMs: number): void {
  if (steps.length < 2) return;
  const at = 20_000;
  const rss = linearFit(steps.map((step) => [step.size, step.rssMiB]));
  const squeue = linearFit(steps.map((step) => [step.size, step.squeueMeanMs]));
  const cpu = linearFit(steps.map((step) => [step.size, step.cpuPercent]));
  const last = steps[steps.length - 1];
  const bytesPerJob = last === undefined ? 0 : last.squeueArgBytes / last.size;
  const squeueAt = squeue.a + squeue.b * at;
  console.log(`\nfits over ${steps.map((step) => step.size).join(', ')} tasks:`);
  console.log(`  RSS = ${rss.a.toFixed(1)} MiB + ${(rss.b * 1024).toFixed(1)} KiB x tasks -> ${(rss.a + rss.b * at).toFixed(0)} MiB at ${at}`);
  console.log(`  squeue time = ${squeue.a.toFixed(0)} ms + ${(squeue.b * 1000).toFixed(1)} ms per 1,000 tasks -> ${squeueAt.toFixed(0)} ms at ${at}: one poll every ${((pollMs + squeueAt) / 1000).toFixed(1)} s, ${(60_000 / (pollMs + squeueAt)).toFixed(1)} squeue/min`);
  console.log(`  CPU = ${cpu.a.toFixed(1)} % + ${(cpu.b * 1000).toFixed(2)} % per 1,000 tasks -> ${(cpu.a + cpu.b * at).toFixed(0)} % of a core at ${at}`);
  console.log(`  squeue's --jobs list: ${bytesPerJob.toFixed(1)} bytes a task -> ${(bytesPerJob * at).toFixed(0)} bytes at ${at} (one argument may hold ${MAX_ARG_STRLEN})`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
