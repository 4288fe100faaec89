// Per-task overhead of Capstan on Apptainer: `true` run through a TaskEngine wired on the real ApptainerBackend,
// against the backend's own `apptainer exec` command line run straight from this process, interleaved after a
// warm-up. More arms split Capstan's extra time: the engine with `spares: 0` (each attempt joins a fresh cgroup on
// its own path, as before spares existed), the engine with `cgroups: off`, and the raw command line inside a cgroup
// made and joined the way the join script does it. Not a test: prints numbers for docs/benchmarks.md.
//   node tools/run-ts.mjs tools/benchmarks/apptainer-overhead.bench.ts [tasks=30] [warm-up rounds=3] [image=sif|docker]
import 'reflect-metadata';
import { type EngineEvent, type PhaseTimes, type TaskResult } from '@capstan/engine';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type ApptainerWiring,
  apptainerTask,
  BUSYBOX_SIF,
  cachedSifPath,
  joinScriptArgs,
  localRegistry,
  RawApptainerRunner,
  REGISTRY_REPOSITORY,
  runProgram,
  wireApptainerEngine,
} from './apptainer-bench-kit';
import { machineLine, median, percentile } from './bench-common';

const TARGET_RATIO = 1.1;

type ArmName = 'capstan' | 'raw' | 'capstan, spares: 0' | 'capstan, cgroups off' | 'raw in a cgroup';
/** The arms that run through an engine. */
type TaskEngineKey = 'capstan' | 'capstan, spares: 0' | 'capstan, cgroups off';

/** When (performance.now) the engine's events for one task arrived. */
interface Timeline {
  attemptStarted?: number;
  spawned?: number;
  attemptEnded?: number;
}

interface Sample {
  readonly wallMs: number;
  readonly phases?: PhaseTimes;
  /** engine.run called -> attempt folder made (resolve, admission, staging, the attempt folder). */
  readonly beforeAttemptMs?: number;
  /** attempt folder made -> apptainer spawned (the backend's preparation: image, cgroup, command line). */
  readonly beforeSpawnMs?: number;
  /** apptainer spawned -> the attempt's end reached the engine (the process, draining its output, the cgroup's OOM count and removal, the running-attempt record). */
  readonly spawnToEndMs?: number;
  /** The attempt's end -> engine.run resolved (outputs, retention, the result). */
  readonly afterAttemptMs?: number;
}

const fmt = (ms: number): string => ms.toFixed(1).padStart(7);
const num = (values: readonly (number | undefined)[]): number[] => values.filter((value): value is number => value !== undefined && Number.isFinite(value));

function summary(label: string, samples: readonly Sample[]): string {
  const walls = samples.map((sample) => sample.wallMs);
  return `  ${label.padEnd(22)} median ${fmt(median(walls))} ms   p90 ${fmt(percentile(walls, 0.9))} ms   min ${fmt(Math.min(...walls))} ms   max ${fmt(Math.max(...walls))} ms`;
}

/** Records the engine's events per task, stamped with performance.now() as they arrive. */
function watch(wiring: ApptainerWiring): Map<string, Timeline> {
  const timelines = new Map<string, Timeline>();
  const events = wiring.engine.events();
  void (async () => {
    for await (const event of events as AsyncIterable<EngineEvent>) {
      const now = performance.now();
      const timeline = timelines.get(event.uniqueName) ?? {};
      timelines.set(event.uniqueName, timeline);
      if (event.type === 'attempt-started') timeline.attemptStarted = now;
      else if (event.type === 'backend' && event.event.type === 'started') timeline.spawned = now;
      else if (event.type === 'attempt-ended') timeline.attemptEnded = now;
    }
  })();
  return timelines;
}

async function main(): Promise<void> {
  const tasks = Number(process.argv[2] ?? 30);
  const warmUp = Number(process.argv[3] ?? 3);
  const imageKind = process.argv[4] ?? 'sif';
  if (imageKind !== 'sif' && imageKind !== 'docker') throw new Error(`image must be sif or docker, not ${imageKind}`);

  // One cache folder for both engines: it holds the running-attempt records and, for docker://, the converted SIF.
  const cacheDir = await mkdtemp(join(tmpdir(), 'capstan-bench-sif-cache-'));
  const registry = imageKind === 'docker' ? localRegistry() : undefined;
  const image = registry === undefined ? BUSYBOX_SIF : `docker://${registry.registry}/${REGISTRY_REPOSITORY}:1`;
  const backendOptions = {
    cacheDir,
    network: 'none' as const,
    ...(registry === undefined ? {} : { registries: { [registry.registry]: { username: registry.username, password: registry.password } } }),
  };
  const capstan = await wireApptainerEngine(backendOptions);
  const cgroupsUsable = capstan.backend.cgroups.usable;
  const noCgroups = cgroupsUsable ? await wireApptainerEngine({ ...backendOptions, cgroups: 'off' }) : undefined;
  const noSpares = cgroupsUsable ? await wireApptainerEngine({ ...backendOptions, spares: 0 }) : undefined;
  const task = apptainerTask('overhead', 'true', image);

  const timelines = new Map<TaskEngineKey, Map<string, Timeline>>([
    ['capstan', watch(capstan)],
    ...(noCgroups === undefined ? [] : [['capstan, cgroups off', watch(noCgroups)] as const]),
    ...(noSpares === undefined ? [] : [['capstan, spares: 0', watch(noSpares)] as const]),
  ]);

  const probe = await capstan.backend.probe();
  console.log(machineLine());
  console.log(`${probe.version ?? '?'}; root: ${String(capstan.backend.privileges.root)}; limits: ${capstan.backend.cgroups.description}`);
  console.log(`image ${image}${imageKind === 'docker' ? ` (converted once into ${cacheDir} during the warm-up; every measured task runs the cached SIF)` : ''}; network none; command "true"`);

  const runEngine = async (wiring: ApptainerWiring, arm: TaskEngineKey): Promise<Sample> => {
    const start = performance.now();
    const result: TaskResult = await wiring.engine.run(task);
    const end = performance.now();
    if (result.state !== 'succeeded') throw new Error(`capstan task ${result.state}: ${JSON.stringify(result.error ?? result.attempts)}`);
    const timeline = timelines.get(arm)?.get(result.uniqueName) ?? {};
    const { attemptStarted, spawned, attemptEnded } = timeline;
    return {
      wallMs: end - start,
      phases: result.phases,
      ...(attemptStarted === undefined ? {} : { beforeAttemptMs: attemptStarted - start }),
      ...(attemptStarted === undefined || spawned === undefined ? {} : { beforeSpawnMs: spawned - attemptStarted }),
      ...(spawned === undefined || attemptEnded === undefined ? {} : { spawnToEndMs: attemptEnded - spawned }),
      ...(attemptEnded === undefined ? {} : { afterAttemptMs: end - attemptEnded }),
    };
  };

  // The first engine task converts a docker:// image (warm-up); the raw command line runs whatever SIF the backend runs.
  await runEngine(capstan, 'capstan');
  const sif = imageKind === 'docker' ? cachedSifPath(cacheDir, image) : BUSYBOX_SIF;
  const raw = await RawApptainerRunner.create(capstan, task, sif, capstan.workRoot);
  console.log(`raw command line (cwd ${raw.cwd}; environment: ${Object.keys(raw.env).join(' ')}):\n  ${raw.commandLine()}`);
  if (cgroupsUsable) console.log(`raw in a cgroup: the same, as /bin/sh -c JOIN_SCRIPT capstan-cgroup <procs...> -- apptainer ..., in a cgroup made and removed around it as the backend does`);

  const runRaw = async (inCgroup: boolean): Promise<Sample> => {
    const start = performance.now();
    const end = inCgroup ? await raw.runInCgroup() : await raw.run();
    const wallMs = performance.now() - start;
    if (end.code !== 0) throw new Error(`raw apptainer exited ${end.code ?? end.signal}: ${end.stderr}`);
    return { wallMs };
  };

  const arms: Array<{ readonly name: ArmName; readonly run: () => Promise<Sample> }> = [
    { name: 'capstan', run: () => runEngine(capstan, 'capstan') },
    { name: 'raw', run: () => runRaw(false) },
    ...(noCgroups === undefined || noSpares === undefined
      ? []
      : [
          { name: 'capstan, spares: 0' as const, run: () => runEngine(noSpares, 'capstan, spares: 0') },
          { name: 'capstan, cgroups off' as const, run: () => runEngine(noCgroups, 'capstan, cgroups off') },
          { name: 'raw in a cgroup' as const, run: () => runRaw(true) },
        ]),
  ];
  console.log(`${tasks} tasks per arm (${arms.map((arm) => arm.name).join(' / ')}), interleaved in rounds whose order rotates, after ${warmUp} warm-up rounds`);

  for (let round = 0; round < warmUp; round++) for (const arm of arms) await arm.run();
  const pool = capstan.backend.sparePool;
  const [takenBefore, missedBefore] = [pool?.taken ?? 0, pool?.missed ?? 0];
  const samples = new Map<ArmName, Sample[]>(arms.map((arm) => [arm.name, []]));
  for (let round = 0; round < tasks; round++) {
    for (let index = 0; index < arms.length; index++) {
      const arm = arms[(round + index) % arms.length];
      if (arm === undefined) continue;
      samples.get(arm.name)?.push(await arm.run());
    }
  }
  console.log(`load average at the end: ${machineLine().split('load average ')[1] ?? '?'}`);
  if (pool !== undefined) console.log(`capstan arm: ${pool.taken - takenBefore} measured attempts took a ready spare, ${pool.missed - missedBefore} found none and joined a fresh cgroup themselves`);

  const of = (name: ArmName): Sample[] => samples.get(name) ?? [];
  const wallMedian = (name: ArmName): number => median(of(name).map((sample) => sample.wallMs));
  console.log('\nPer-task wall time');
  for (const arm of arms) console.log(summary(arm.name, of(arm.name)));

  const ratio = wallMedian('capstan') / wallMedian('raw');
  const pairRatios = of('capstan').map((sample, index) => sample.wallMs / (of('raw')[index]?.wallMs ?? Number.NaN));
  console.log(
    `  median ratio capstan/raw: ${ratio.toFixed(3)} (target <= ${TARGET_RATIO}: ${ratio <= TARGET_RATIO ? 'meets' : 'MISSES'}); ` +
      `per-round ratios: median ${median(pairRatios).toFixed(3)}, p10 ${percentile(pairRatios, 0.1).toFixed(3)}, p90 ${percentile(pairRatios, 0.9).toFixed(3)}`,
  );
  console.log(`  median extra per task: ${(wallMedian('capstan') - wallMedian('raw')).toFixed(1)} ms`);
  if (noCgroups !== undefined) {
    console.log(`  capstan, spares: 0 / raw:      ${(wallMedian('capstan, spares: 0') / wallMedian('raw')).toFixed(3)} (${(wallMedian('capstan, spares: 0') - wallMedian('raw')).toFixed(1)} ms)  (each attempt joins its own cgroup: the backend before spares)`);
    console.log(`  capstan, cgroups off / raw:    ${(wallMedian('capstan, cgroups off') / wallMedian('raw')).toFixed(3)} (${(wallMedian('capstan, cgroups off') - wallMedian('raw')).toFixed(1)} ms)`);
    console.log(`  raw in a cgroup / raw:         ${(wallMedian('raw in a cgroup') / wallMedian('raw')).toFixed(3)} (${(wallMedian('raw in a cgroup') - wallMedian('raw')).toFixed(1)} ms)`);
    console.log(`  capstan / raw in a cgroup:     ${(wallMedian('capstan') / wallMedian('raw in a cgroup')).toFixed(3)} (${(wallMedian('capstan') - wallMedian('raw in a cgroup')).toFixed(1)} ms)`);
    console.log(`  raw in a cgroup: ${raw.busyRetries} cgroup removal(s) found the cgroup busy and waited 50 ms`);
    console.log(`  capstan / capstan, cgroups off: ${(wallMedian('capstan') / wallMedian('capstan, cgroups off')).toFixed(3)} (${(wallMedian('capstan') - wallMedian('capstan, cgroups off')).toFixed(1)} ms)`);
  }

  console.log('\nWhere the time goes (medians over the measured tasks; timeline from the engine\'s events as they arrive)');
  const keys: ReadonlyArray<keyof PhaseTimes> = ['resolveMs', 'queueMs', 'stageMs', 'runMs', 'collectMs', 'cleanupMs', 'totalMs'];
  for (const name of ['capstan', 'capstan, spares: 0', 'capstan, cgroups off'] as const) {
    const list = of(name);
    if (list.length === 0) continue;
    const phase = (key: keyof PhaseTimes): number => median(num(list.map((sample) => sample.phases?.[key])));
    const unphased = num(list.map((sample) => (sample.phases === undefined ? undefined : sample.phases.totalMs - keys.slice(0, 6).reduce((sum, key) => sum + (sample.phases?.[key] ?? 0), 0))));
    const stat = (pick: (sample: Sample) => number | undefined): string => {
      const values = num(list.map(pick));
      return `${median(values).toFixed(2)} (p90 ${percentile(values, 0.9).toFixed(2)})`;
    };
    console.log(`  ${name}:`);
    console.log(`    engine phases (TaskResult.phases): ${keys.map((key) => `${key.replace(/Ms$/, '')} ${phase(key).toFixed(2)}`).join(', ')} ms; in no phase ${median(unphased).toFixed(2)} ms`);
    console.log(`    engine.run -> attempt folder made:         ${stat((sample) => sample.beforeAttemptMs)} ms`);
    console.log(`    attempt folder -> apptainer spawned:       ${stat((sample) => sample.beforeSpawnMs)} ms  (image check, cgroup made or spare prepared, command line)`);
    console.log(`    spawned -> attempt ended:                  ${stat((sample) => sample.spawnToEndMs)} ms  (raw wall: ${median(of('raw').map((sample) => sample.wallMs)).toFixed(2)})`);
    console.log(`    attempt ended -> engine.run resolved:      ${stat((sample) => sample.afterAttemptMs)} ms  (outputs, retention, result)`);
  }

  if (cgroupsUsable) {
    // What joining a cgroup costs by itself: the wrapper around /bin/true, with and without joining a fresh cgroup,
    // each after 200 ms of quiet (as between tasks), and a join right after another one.
    const pause = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 200));
    const time = async (work: () => Promise<unknown>): Promise<number> => {
      const start = performance.now();
      await work();
      return performance.now() - start;
    };
    const joined: number[] = [];
    const notJoined: number[] = [];
    const backToBack: number[] = [];
    for (let round = 0; round < 20; round++) {
      await pause();
      joined.push(await time(() => raw.runInCgroup(['/bin/true'])));
      await pause();
      notJoined.push(await time(() => runProgram('/bin/sh', joinScriptArgs([], ['/bin/true']), raw.cwd, raw.env)));
      await pause();
      await raw.runInCgroup(['/bin/true']);
      backToBack.push(await time(() => raw.runInCgroup(['/bin/true'])));
    }
    const line = (label: string, values: readonly number[]): string => `    ${label.padEnd(64)} median ${median(values).toFixed(2)} ms, p10 ${percentile(values, 0.1).toFixed(2)}, p90 ${percentile(values, 0.9).toFixed(2)}`;
    console.log('\nJoining a cgroup, by itself (20 each; the cgroup is made before and removed after the timed run: those are in the time too)');
    console.log(line('sh JOIN_SCRIPT -- /bin/true, joining nothing', notJoined));
    console.log(line('sh JOIN_SCRIPT <memory, cpu procs> -- /bin/true, after 200 ms quiet', joined));
    console.log(line('the same, right after another such join', backToBack));
  }

  capstan.engine.close();
  noCgroups?.engine.close();
  noSpares?.engine.close();
  await capstan.backend.close();
  await noSpares?.backend.close();
  await capstan.dispose();
  await noCgroups?.dispose();
  await noSpares?.dispose();
  await rm(cacheDir, { recursive: true, force: true });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
