// Throughput of Capstan on Slurm: N short tasks (`echo hi` in a container) through the engine and the slurm backend,
// against a plain `sbatch` loop of the same work on the same cluster in the same run (one `sbatch --wrap` per task, the
// same container command, then one `squeue` a second until none is left), and the Slurm commands Capstan issued per
// minute while its tasks ran. That rate must not grow with N: polling is one `squeue` per interval for all jobs, and
// `sbatch` is one per task at the pace the cluster runs them. Each N runs Capstan first, then the loop.
// Not a test: prints numbers for docs/benchmarks.md. Needs tools/engines/slurm.sh (and apptainer.sh or docker.sh).
//   node tools/run-ts.mjs tools/benchmarks/slurm-throughput.bench.ts [N...=250 1000] [--runtime=apptainer|docker]
import 'reflect-metadata';
import { localRegistry } from '@capstan/backend-test-kit';
import { type Backend, BackendRegistry, parseTask, type Task } from '@capstan/core-constraints';
import { EngineOptions, TaskEngine } from '@capstan/engine';
import { NameGenerator } from '@capstan/naming';
import { registerResourceManager } from '@capstan/resource-manager';
import { registerSlurmBackend, SlurmBackend, type SlurmBackendOptionsInput, type SlurmCommand } from '@capstan/slurm-runner';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { container as rootContainer } from 'tsyringe';
import { machineLine } from './bench-common';

const run = promisify(execFile);
const COMMANDS: readonly SlurmCommand[] = ['sbatch', 'squeue', 'scontrol', 'scancel'];
const MEMORY = '100 MiB';

interface Wiring {
  readonly engine: TaskEngine;
  readonly backend: SlurmBackend;
  readonly workRoot: string;
}

/** What apps/cli/src/composition/wire.ts does for `backend: slurm`: the ledger in unlimited mode (Slurm schedules). */
async function wireSlurmEngine(options: SlurmBackendOptionsInput): Promise<Wiring> {
  const workRoot = await mkdtemp(join(tmpdir(), 'capstan-bench-slurm-'));
  const container = rootContainer.createChildContainer();
  registerSlurmBackend(container, options);
  const registry = BackendRegistry.fromContainer(container);
  container.registerInstance(BackendRegistry, registry);
  const backend: Backend = registry.get('slurm');
  if (!(backend instanceof SlurmBackend)) throw new Error('the slurm backend is not a SlurmBackend');
  const probe = await backend.probe();
  if (!probe.available) throw new Error(`Slurm is not usable: ${probe.problems.join('; ')} (start it with: sudo tools/engines/slurm.sh)`);
  const capacity = await backend.capacity();
  registerResourceManager(container, { capacity: capacity.total, perTaskMax: capacity.perTaskMax, unlimited: backend.capabilities.schedulesItself });
  container.registerInstance(NameGenerator, new NameGenerator());
  const engineOptions: EngineOptions = { backend: 'slurm', workRoot, shell: 'sh', cpuLimitBehavior: 'deny', memoryLimitBehavior: 'deny', gpuLimitBehavior: 'deny', retention: 'keep' };
  container.registerInstance(EngineOptions, engineOptions);
  return { engine: container.resolve(TaskEngine), backend, workRoot };
}

interface Side {
  readonly tasks: number;
  readonly wallMs: number;
  /** Slurm commands issued while the side ran. */
  readonly commands: Record<SlurmCommand, number>;
}

const perSecond = (side: Side): number => side.tasks / (side.wallMs / 1000);
const perMinute = (count: number, side: Side): number => count / (side.wallMs / 60_000);
const total = (commands: Record<SlurmCommand, number>): number => COMMANDS.reduce((sum, command) => sum + commands[command], 0);

async function capstanSide(wiring: Wiring, task: Task, count: number): Promise<Side> {
  const before = wiring.backend.commandCounts();
  const start = performance.now();
  const results = await Promise.all(Array.from({ length: count }, () => wiring.engine.run(task)));
  const wallMs = performance.now() - start;
  const after = wiring.backend.commandCounts();
  const failed = results.filter((result) => result.state !== 'succeeded');
  if (failed.length > 0) throw new Error(`${failed.length} capstan task(s) did not succeed, e.g. ${JSON.stringify(failed[0]?.error ?? failed[0]?.attempts)}`);
  const commands = Object.fromEntries(COMMANDS.map((command) => [command, after[command] - before[command]])) as Record<SlurmCommand, number>;
  return { tasks: count, wallMs, commands };
}

/** One `sbatch --wrap` per task in a loop, then `squeue --name` once a second until the jobs are gone; outputs checked. */
async function plainSide(count: number, wrap: string, name: string): Promise<Side> {
  const folder = await mkdtemp(join(tmpdir(), 'capstan-bench-plain-'));
  const commands: Record<SlurmCommand, number> = { sbatch: 0, squeue: 0, scontrol: 0, scancel: 0 };
  try {
    const start = performance.now();
    for (let index = 0; index < count; index += 1) {
      commands.sbatch += 1;
      await run('sbatch', ['--parsable', `--job-name=${name}`, '--nodes=1', '--ntasks=1', '--cpus-per-task=1', '--mem=100M', `--output=${folder}/%j.out`, '--no-requeue', `--wrap=${wrap}`]);
    }
    for (;;) {
      commands.squeue += 1;
      const { stdout } = await run('squeue', ['--noheader', '--me', `--name=${name}`, '--format=%i']);
      if (stdout.trim() === '') break;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    const wallMs = performance.now() - start;
    const outputs = await readdir(folder);
    const good = (await Promise.all(outputs.map((file) => readFile(join(folder, file), 'utf8')))).filter((text) => text === 'hi\n').length;
    if (good !== count) throw new Error(`only ${good} of ${count} plain jobs printed "hi"`);
    return { tasks: count, wallMs, commands };
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

function line(label: string, side: Side): string {
  return `    ${label.padEnd(8)} ${(side.wallMs / 1000).toFixed(1).padStart(7)} s  ${perSecond(side).toFixed(2).padStart(6)} tasks/s`;
}

function commandLine(side: Side): string {
  const parts = COMMANDS.map((command) => `${command} ${side.commands[command]} (${perMinute(side.commands[command], side).toFixed(1)}/min)`);
  return `      slurm commands: ${total(side.commands)} in all, ${perMinute(total(side.commands), side).toFixed(1)}/min: ${parts.join(', ')}`;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const runtime = (args.find((arg) => arg.startsWith('--runtime='))?.slice('--runtime='.length) ?? 'apptainer') as 'apptainer' | 'docker';
  const counts = args.filter((arg) => /^[0-9]+$/.test(arg)).map(Number);
  const levels = counts.length === 0 ? [250, 1000] : counts;
  const registry = localRegistry();
  const sifCacheDir = join(tmpdir(), 'capstan-bench-slurm-sif');
  const image = runtime === 'apptainer' ? `docker://${registry.image}` : 'capstan-test/busybox:1';
  const wiring = await wireSlurmEngine({
    runtime,
    sifCacheDir,
    registries: { [registry.registry]: { username: registry.username, password: registry.password } },
  });
  const task = parseTask({ name: 'throughput', command: 'echo hi', requirements: { container: image, cpu: 1, memory: MEMORY }, hints: { shell: 'sh' } });
  // Warm-up: converts the image into the SIF cache (Apptainer), which the plain loop then runs as well.
  await capstanSide(wiring, task, 2);
  const sif = runtime === 'apptainer' ? (await readdir(sifCacheDir)).find((file) => file.endsWith('.sif')) : undefined;
  const wrap =
    runtime === 'apptainer'
      ? `apptainer -q exec --no-privs --containall --cleanenv ${join(sifCacheDir, sif ?? 'missing.sif')} sh -c 'echo hi'`
      : `docker run --rm --log-driver none capstan-test/busybox:1 sh -c 'echo hi'`;
  const nodes = (await run('sinfo', ['--noheader', '--Node', '--format=%N %c %m %P'])).stdout.trim().replace(/\n/g, '; ');
  console.log(machineLine());
  console.log(`slurm nodes: ${nodes}; runtime ${runtime}; task "echo hi" (cpu 1, memory ${MEMORY}); poll interval ${wiring.backend.options.pollIntervalMs} ms, ${wiring.backend.options.maxConcurrentSubmits} sbatch at once`);
  console.log(`plain loop: sbatch --wrap "${wrap}" per task, then squeue once a second`);
  const rates: string[] = [];
  for (const count of levels) {
    const capstan = await capstanSide(wiring, task, count);
    const plain = await plainSide(count, wrap, `plain-${process.pid}-${count}`);
    console.log(`\nN = ${count}`);
    console.log(line('capstan', capstan));
    console.log(commandLine(capstan));
    console.log(line('plain', plain));
    console.log(commandLine(plain));
    console.log(`    ratio    ${(perSecond(capstan) / perSecond(plain)).toFixed(3)} (capstan / plain throughput)`);
    const polls = perMinute(capstan.commands.squeue, capstan);
    rates.push(`N=${count}: ${perMinute(total(capstan.commands), capstan).toFixed(1)} commands/min (squeue ${polls.toFixed(1)}/min)`);
  }
  console.log(`\ncapstan's slurm commands per minute while its tasks ran: ${rates.join('; ')}`);
  wiring.backend.close();
  await rm(wiring.workRoot, { recursive: true, force: true });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
