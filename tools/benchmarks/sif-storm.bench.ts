// The cold-cache pull storm on Apptainer: 20 tasks (4 node processes x 5) that need the same docker:// image start
// at the same instant on a cold cache. Capstan: every task asks Capstan's SifCache (one shared cache folder; the image
// converted once under a file lock, renamed into place whole). Naive: every task runs its own `apptainer pull` into
// its own file. Each arm gets a tag pushed fresh for it, so nothing has ever pulled it and the registry's access log
// counts its pulls exactly. Not a test: prints numbers for docs/benchmarks.md.
//   node tools/run-ts.mjs tools/benchmarks/sif-storm.bench.ts [rounds=1] [processes=4] [tasks per process=5]
// (The same bundle is started again with `--worker JOB` as each child process.)
import 'reflect-metadata';
import { parseApptainerBackendOptions, probeVersion, SifCache, toRemoteImage } from '@capstan/apptainer-runner';
import { parseContainerSource } from '@capstan/core-constraints';
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type LocalRegistry, localRegistry, manifestGets, pushFreshTag, REGISTRY_LOG, REGISTRY_REPOSITORY, runProgram } from './apptainer-bench-kit';
import { machineLine, median } from './bench-common';

/** `capstan`: one SifCache per process, as one Capstan process (one backend) has; `capstan-per-task`: one per task, so all 20 contend for the file lock; `naive`: `apptainer pull` per task. */
type Mode = 'capstan' | 'capstan-per-task' | 'naive';
const MODES: readonly Mode[] = ['capstan', 'capstan-per-task', 'naive'];

interface WorkerJob {
  readonly mode: Mode;
  readonly uri: string;
  /** Capstan: the shared cache folder. Naive: the folder each task makes its own folder in. */
  readonly folder: string;
  readonly tasks: number;
  /** Capstan: each real `apptainer pull` SifCache runs appends a line here (SifCache's onPullStart). */
  readonly pullLog: string;
  readonly registry: LocalRegistry;
  /** All processes start their tasks at this time (ms since the epoch). */
  readonly startAt: number;
}

interface TaskOutcome {
  /** From the common start to this task having its SIF (or its pull failing). */
  readonly ms: number;
  readonly ok: boolean;
  /** The SIF this task would run. */
  readonly path: string;
  /** Capstan: whether this call converted the image itself. */
  readonly pulled?: boolean;
  readonly error?: string;
}

interface WorkerReport {
  readonly pid: number;
  /** How late this process reached the common start (negative: it waited). */
  readonly lateMs: number;
  readonly outcomes: TaskOutcome[];
}

async function worker(job: WorkerJob): Promise<WorkerReport> {
  const options = parseApptainerBackendOptions({ registries: { [job.registry.registry]: { username: job.registry.username, password: job.registry.password } } });
  const baseEnv: Record<string, string> = {};
  for (const name of options.passEnv) {
    const value = process.env[name];
    if (value !== undefined) baseEnv[name] = value;
  }
  baseEnv['PATH'] ??= '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
  const version = await probeVersion(options.binary, baseEnv);
  const image = toRemoteImage(parseContainerSource(job.uri));
  // The settings ApptainerBackend gives its SifCache (apptainer-backend.ts, sifCache()).
  const makeCache = (): SifCache =>
    new SifCache({
      cacheDir: job.folder,
      binary: options.binary,
      flavour: version.flavour,
      baseEnv,
      registries: options.registries,
      insecureRegistries: options.insecureRegistries,
      extraPullArgs: options.extraPullArgs,
      pullTimeoutMs: options.pullTimeoutSeconds * 1000,
    });
  const shared = makeCache();
  const lateMs = Date.now() - job.startAt;
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, job.startAt - Date.now())));
  const outcomes = await Promise.all(
    Array.from({ length: job.tasks }, async (_, index): Promise<TaskOutcome> => {
      if (job.mode === 'naive') {
        // What a task does without a shared cache: its own pull into its own file, with the same flags SifCache uses.
        const dir = join(job.folder, `task-${process.pid}-${index}`);
        await mkdir(join(dir, 'tmp'), { recursive: true });
        const path = join(dir, 'image.sif');
        const end = await runProgram(options.binary, ['pull', '--no-https', '--disable-cache', path, job.uri], dir, {
          ...baseEnv,
          APPTAINER_TMPDIR: join(dir, 'tmp'),
          APPTAINER_DOCKER_USERNAME: job.registry.username,
          APPTAINER_DOCKER_PASSWORD: job.registry.password,
        });
        const ms = Date.now() - job.startAt;
        return end.code === 0 ? { ms, ok: true, path } : { ms, ok: false, path, error: end.stderr.trim().split('\n').slice(-2).join(' ') };
      }
      const cache = job.mode === 'capstan' ? shared : makeCache();
      try {
        const cached = await cache.ensure(image, { policy: 'if-not-present', onPullStart: () => appendFileSync(job.pullLog, `${process.pid} ${Date.now()}\n`) });
        return { ms: Date.now() - job.startAt, ok: true, path: cached.path, pulled: cached.pulled };
      } catch (error) {
        return { ms: Date.now() - job.startAt, ok: false, path: '', error: error instanceof Error ? error.message : String(error) };
      }
    }),
  );
  return { pid: process.pid, lateMs, outcomes };
}

interface SifCheck {
  readonly ok: boolean;
  readonly size: number;
  readonly problem?: string;
}

/** A whole SIF: `apptainer sif list` reads its descriptors, and the last object ends exactly at the end of the file. */
async function checkSif(path: string): Promise<SifCheck> {
  const size = await stat(path).then(
    (info) => info.size,
    () => -1,
  );
  if (size <= 0) return { ok: false, size, problem: 'missing or empty' };
  try {
    const { stdout } = await promisify(execFile)('apptainer', ['sif', 'list', path], { encoding: 'utf8' });
    const ends = [...stdout.matchAll(/\|\s*[0-9]+-([0-9]+)\s*\|/g)].map((match) => Number(match[1]));
    const last = Math.max(...ends);
    return last === size ? { ok: true, size } : { ok: false, size, problem: `its last object ends at ${last}, the file at ${size}` };
  } catch (error) {
    return { ok: false, size, problem: `apptainer sif list failed: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}` };
  }
}

/** Every file below a folder, as paths relative to it. */
async function listFiles(folder: string, prefix = ''): Promise<string[]> {
  const entries = await readdir(join(folder, prefix), { withFileTypes: true }).catch(() => []);
  const files: string[] = [];
  for (const entry of entries) {
    const relative = prefix === '' ? entry.name : join(prefix, entry.name);
    if (entry.isDirectory()) {
      const inside = await listFiles(folder, relative);
      files.push(...(inside.length === 0 ? [`${relative}/`] : inside));
    } else files.push(relative);
  }
  return files;
}

const blobGets = async (): Promise<number> =>
  (await readFile(REGISTRY_LOG, 'utf8')).split('\n').filter((line) => line.includes(`"GET /v2/${REGISTRY_REPOSITORY}/blobs/`) && line.includes('HTTP/1.1" 200')).length;

async function runArm(mode: Mode, processes: number, tasks: number, registry: LocalRegistry): Promise<void> {
  const tag = `storm-${mode}-${randomBytes(4).toString('hex')}`;
  const pushStarted = performance.now();
  const reference = await pushFreshTag(registry, tag);
  const pushMs = performance.now() - pushStarted;
  const uri = `docker://${reference}`;
  const root = await mkdtemp(join(tmpdir(), `capstan-bench-storm-${mode}-`));
  const folder = join(root, mode === 'naive' ? 'tasks' : 'cache');
  await mkdir(folder, { recursive: true });
  const pullLog = join(root, 'pulls.log');
  const manifestsBefore = manifestGets(tag);
  const blobsBefore = await blobGets();

  const job: WorkerJob = { mode, uri, folder, tasks, pullLog, registry, startAt: Date.now() + 2_000 };
  const script = process.argv[1] ?? '';
  const reports = await Promise.all(
    Array.from(
      { length: processes },
      () =>
        new Promise<WorkerReport>((resolve, reject) => {
          const child = spawn(process.execPath, [script, '--worker', JSON.stringify(job)], { stdio: ['ignore', 'pipe', 'inherit'] });
          let out = '';
          child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
          child.once('error', reject);
          child.once('close', (code) => {
            try {
              resolve(JSON.parse(out) as WorkerReport);
            } catch {
              reject(new Error(`worker exited ${code} with ${JSON.stringify(out.slice(0, 500))}`));
            }
          });
        }),
    ),
  );
  const allDoneMs = Date.now() - job.startAt;
  const outcomes = reports.flatMap((report) => report.outcomes);
  const failed = outcomes.filter((outcome) => !outcome.ok);
  const manifests = manifestGets(tag) - manifestsBefore;
  const blobs = (await blobGets()) - blobsBefore;
  const times = outcomes.map((outcome) => outcome.ms);

  console.log(`\n${mode}: ${processes} processes x ${tasks} tasks, tag ${tag} (pushed fresh in ${pushMs.toFixed(0)} ms)`);
  console.log(`  processes reached the common start ${reports.map((report) => report.lateMs).join(', ')} ms after it (negative: early, they waited)`);
  console.log(`  wall: last task served ${Math.max(...times)} ms after the common start (median task ${median(times).toFixed(0)} ms, first ${Math.min(...times)} ms); all processes exited at ${allDoneMs} ms`);
  console.log(`  tasks served: ${outcomes.length - failed.length} of ${outcomes.length}${failed.length === 0 ? '' : `; failures: ${[...new Set(failed.map((outcome) => outcome.error ?? '?'))].join(' | ')}`}`);
  console.log(`  registry: ${manifests} GET /v2/${REGISTRY_REPOSITORY}/manifests/${tag} (200); ${blobs} blob GETs (200) of ${REGISTRY_REPOSITORY} during the arm (other clients' would count too)`);

  if (mode === 'naive') {
    const checks = await Promise.all(outcomes.map((outcome) => checkSif(outcome.path)));
    const whole = checks.filter((check) => check.ok);
    const files = await listFiles(folder);
    const extra = files.filter((file) => !/^task-[0-9]+-[0-9]+\/(image\.sif|tmp\/)$/.test(file));
    console.log(`  pulls: ${outcomes.length} by construction (one apptainer pull per task), ${outcomes.length - failed.length} exited 0`);
    console.log(`  SIF files: ${whole.length} whole of ${checks.length}, ${(checks.reduce((sum, check) => sum + Math.max(0, check.size), 0) / 1e6).toFixed(1)} MB in all`);
    for (const check of checks.filter((entry) => !entry.ok)) console.log(`    NOT WHOLE: ${check.problem ?? '?'} (${check.size} bytes)`);
    console.log(`  anything else left in the task folders: ${extra.length === 0 ? 'nothing' : extra.join(', ')}`);
  } else {
    const pullLines = (await readFile(pullLog, 'utf8').catch(() => '')).split('\n').filter((line) => line.trim() !== '').length;
    const paths = new Set(outcomes.filter((outcome) => outcome.ok).map((outcome) => outcome.path));
    const files = await listFiles(folder);
    const sifs = files.filter((file) => file.endsWith('.sif'));
    const checks = await Promise.all(sifs.map((file) => checkSif(join(folder, file))));
    const extra = files.filter((file) => !(file.endsWith('.sif') && !file.includes('/')) && !/^\.locks\/[^/]+\.lock$/.test(file) && file !== '.tmp/');
    console.log(
      `  pulls: ${pullLines} apptainer pull(s) run (SifCache onPullStart lines); ${outcomes.filter((outcome) => outcome.pulled === true).length} task(s) got pulled: true` +
        `${mode === 'capstan' ? " (a process's tasks share its one SifCache, so all of the converting process's tasks do)" : ''}, the rest found the SIF another one made`,
    );
    console.log(`  SIF files: ${sifs.length} in the cache (${checks.filter((check) => check.ok).length} whole, ${(checks.reduce((sum, check) => sum + Math.max(0, check.size), 0) / 1e6).toFixed(1)} MB); all tasks got ${paths.size} path(s)`);
    console.log(`  anything else left in the cache (partial files, temp folders): ${extra.length === 0 ? 'nothing (one .sif, its lock file, an empty .tmp/)' : extra.join(', ')}`);
  }
  await rm(root, { recursive: true, force: true });
}

async function main(): Promise<void> {
  const rounds = Number(process.argv[2] ?? 1);
  const processes = Number(process.argv[3] ?? 4);
  const tasks = Number(process.argv[4] ?? 5);
  const registry = localRegistry();
  console.log(machineLine());
  console.log(`image: the local test image pushed as ${registry.registry}/${REGISTRY_REPOSITORY}:<fresh tag> per arm; ${rounds} round(s), arm order rotating`);
  for (let round = 0; round < rounds; round++) {
    console.log(`\n=== round ${round + 1} (load average ${machineLine().split('load average ')[1] ?? '?'})`);
    for (let index = 0; index < MODES.length; index++) {
      const mode = MODES[(round + index) % MODES.length];
      if (mode !== undefined) await runArm(mode, processes, tasks, registry);
    }
  }
  console.log(`\nload average at the end: ${machineLine().split('load average ')[1] ?? '?'}`);
}

if (process.argv[2] === '--worker') {
  worker(JSON.parse(process.argv[3] ?? '{}') as WorkerJob).then(
    (report) => process.stdout.write(`${JSON.stringify(report)}\n`),
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
} else {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
