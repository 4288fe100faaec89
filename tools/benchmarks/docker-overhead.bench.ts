// Per-task overhead of Capstan on Docker: `true` run through a TaskEngine wired on the real DockerBackend, against
// the same container created, attached, started, waited for, inspected and removed straight through dockerode.
// Interleaved (Capstan, raw, Capstan, raw, ...) after a warm-up. Not a test: prints numbers for docs/benchmarks.md.
// A third path in the same run, Capstan with `logCopy: always` (the bounded `local` log driver a TES server's tasks
// get), gives the cost of that copy as a ratio against Capstan with no log (`none`).
//   node tools/run-ts.mjs tools/benchmarks/docker-overhead.bench.ts [tasks=30] [warm-up=3]
import 'reflect-metadata';
import { type PhaseTimes, type TaskResult } from '@capstan/engine';
import {
  benchTask,
  coveredMs,
  DaemonCallTracer,
  type DaemonCall,
  isAttach,
  machineLine,
  median,
  percentile,
  RawDockerRunner,
  wireDockerEngine,
} from './docker-bench-kit';

const TARGET_RATIO = 1.05;

interface Sample {
  readonly wallMs: number;
  /** Wall time with no daemon call in flight. */
  readonly offDaemonMs: number;
  readonly calls: readonly DaemonCall[];
  readonly phases?: PhaseTimes;
}

const fmt = (ms: number): string => ms.toFixed(1).padStart(7);

function summary(label: string, samples: readonly Sample[]): string {
  const walls = samples.map((sample) => sample.wallMs);
  return (
    `  ${label.padEnd(8)} median ${fmt(median(walls))} ms   p90 ${fmt(percentile(walls, 0.9))} ms` +
    `   min ${fmt(Math.min(...walls))} ms   max ${fmt(Math.max(...walls))} ms`
  );
}

/** Per kind of daemon call: calls per task and the median duration of one call. */
function callTable(capstan: readonly Sample[], raw: readonly Sample[]): void {
  const kinds = new Set([...capstan, ...raw].flatMap((sample) => sample.calls.map((call) => call.what)));
  const describe = (samples: readonly Sample[], kind: string): string => {
    const calls = samples.flatMap((sample) => sample.calls.filter((call) => call.what === kind));
    if (calls.length === 0) return `${'-'.padStart(6)} ${''.padStart(9)}`;
    const ms = median(calls.map((call) => (isAttach(call) ? call.headers : call.end) - call.start));
    return `${(calls.length / samples.length).toFixed(2).padStart(6)} ${fmt(ms)} ms`;
  };
  console.log('\nDaemon calls: how many per task, and the median time from the request to the end of its response');
  console.log('(attach: to its headers; its body stays open until the container\'s output ends)');
  console.log(`  ${'call'.padEnd(34)} ${'capstan'.padStart(17)}   ${'raw'.padStart(17)}`);
  for (const kind of [...kinds].sort()) console.log(`  ${kind.padEnd(34)} ${describe(capstan, kind)}   ${describe(raw, kind)}`);
}

async function main(): Promise<void> {
  const tasks = Number(process.argv[2] ?? 30);
  const warmUp = Number(process.argv[3] ?? 3);
  const wiring = await wireDockerEngine();
  const logged = await wireDockerEngine({ logCopy: 'always' });
  const task = benchTask('overhead', 'true');
  const raw = await RawDockerRunner.create(wiring, task, wiring.workRoot);
  const tracer = new DaemonCallTracer();
  console.log(machineLine());
  console.log(`docker: ${(await wiring.backend.probe()).version ?? '?'}; image ${task.requirements.container.map((source) => source.uri).join(', ')}, network none, command "true"`);
  console.log(`${tasks} tasks each way, interleaved (capstan, raw, ...), after ${warmUp} warm-up pairs`);

  const runCapstan = async (on = wiring): Promise<Sample> => {
    tracer.clear();
    const start = performance.now();
    const result: TaskResult = await on.engine.run(task);
    const end = performance.now();
    if (result.state !== 'succeeded') throw new Error(`capstan task ${result.state}: ${JSON.stringify(result.error ?? result.attempts)}`);
    const calls = tracer.between(start, end);
    return { wallMs: end - start, offDaemonMs: end - start - coveredMs(calls, start, end), calls, phases: result.phases };
  };
  const runRaw = async (): Promise<Sample> => {
    tracer.clear();
    const start = performance.now();
    const exitCode = await raw.run();
    const end = performance.now();
    if (exitCode !== 0) throw new Error(`raw container exited ${exitCode}`);
    const calls = tracer.between(start, end);
    return { wallMs: end - start, offDaemonMs: end - start - coveredMs(calls, start, end), calls };
  };

  tracer.start();
  for (let index = 0; index < warmUp; index++) {
    await runCapstan();
    await runRaw();
    await runCapstan(logged);
  }
  const capstan: Sample[] = [];
  const direct: Sample[] = [];
  const withLog: Sample[] = [];
  for (let index = 0; index < tasks; index++) {
    capstan.push(await runCapstan());
    direct.push(await runRaw());
    withLog.push(await runCapstan(logged));
  }
  tracer.stop();

  console.log('\nPer-task wall time');
  console.log(summary('capstan', capstan));
  console.log(summary('raw', direct));
  const ratio = median(capstan.map((sample) => sample.wallMs)) / median(direct.map((sample) => sample.wallMs));
  const pairRatios = capstan.map((sample, index) => sample.wallMs / (direct[index]?.wallMs ?? Number.NaN));
  console.log(
    `  median ratio capstan/raw: ${ratio.toFixed(3)} (target <= ${TARGET_RATIO}: ${ratio <= TARGET_RATIO ? 'meets' : 'MISSES'}); ` +
      `per-pair ratios: median ${median(pairRatios).toFixed(3)}, p10 ${percentile(pairRatios, 0.1).toFixed(3)}, p90 ${percentile(pairRatios, 0.9).toFixed(3)}`,
  );
  const extra = median(capstan.map((sample) => sample.wallMs)) - median(direct.map((sample) => sample.wallMs));
  console.log(`  median extra per task: ${extra.toFixed(1)} ms`);
  console.log(summary('log copy', withLog));
  const logRatio = median(withLog.map((sample) => sample.wallMs)) / median(capstan.map((sample) => sample.wallMs));
  const logPairs = withLog.map((sample, index) => sample.wallMs / (capstan[index]?.wallMs ?? Number.NaN));
  console.log(
    `  median ratio log copy (local, bounded)/none: ${logRatio.toFixed(3)}; per-pair ratios: median ${median(logPairs).toFixed(3)}, ` +
      `p10 ${percentile(logPairs, 0.1).toFixed(3)}, p90 ${percentile(logPairs, 0.9).toFixed(3)}`,
  );

  console.log('\nWhere the time goes (medians over the measured tasks)');
  console.log(
    `  with no daemon call in flight:   capstan ${fmt(median(capstan.map((sample) => sample.offDaemonMs)))} ms   raw ${fmt(median(direct.map((sample) => sample.offDaemonMs)))} ms`,
  );
  const phase = (key: keyof PhaseTimes): number => median(capstan.map((sample) => sample.phases?.[key] ?? Number.NaN));
  const keys: ReadonlyArray<keyof PhaseTimes> = ['resolveMs', 'queueMs', 'stageMs', 'runMs', 'collectMs', 'cleanupMs', 'totalMs'];
  console.log(`  engine phases (TaskResult.phases): ${keys.map((key) => `${key.replace(/Ms$/, '')} ${phase(key).toFixed(2)}`).join(', ')} ms`);
  const unphased = capstan.map((sample) => {
    const phases = sample.phases;
    if (phases === undefined) return Number.NaN;
    return phases.totalMs - (phases.resolveMs + phases.queueMs + phases.stageMs + phases.runMs + phases.collectMs + phases.cleanupMs);
  });
  console.log(`  in no phase (attempt folder creation, events): median ${median(unphased).toFixed(2)} ms, p90 ${percentile(unphased, 0.9).toFixed(2)} ms`);
  const outside = capstan.map((sample) => sample.wallMs - (sample.phases?.totalMs ?? Number.NaN));
  console.log(`  engine.run outside its own timer (naming, TaskRun set-up): median ${median(outside).toFixed(2)} ms`);
  const runVsRaw = median(capstan.map((sample) => sample.phases?.runMs ?? Number.NaN)) / median(direct.map((sample) => sample.wallMs));
  console.log(`  run phase alone vs raw wall: ${runVsRaw.toFixed(3)}`);
  callTable(capstan, direct);
  await wiring.dispose();
  await logged.dispose();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
