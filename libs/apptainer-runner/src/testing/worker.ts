// A separate process for tests that need one: the cold-cache storm (several processes converting one image through
// their own SifCache instances) and running the backend as another user. Bundled by bundle-worker.ts, run with node.
// Input: one JSON argument; output: one JSON line on stdout.
import { appendFileSync } from 'node:fs';
import { ApptainerBackend } from '../apptainer-backend';
import { type ApptainerBackendOptionsInput } from '../apptainer-backend-options';
import { probeVersion } from '../apptainer-cli';
import { toRemoteImage } from '../image-reference';
import { FileLock } from '../file-lock';
import { SifCache } from '../sif-cache';
import { detectCgroups } from '../cgroups';
import { SparePool } from '../spare-pool';
import { type ExecutionRequest, parseContainerSource } from '@capstan/core-constraints';

export interface StormJob {
  readonly kind: 'storm';
  readonly cacheDir: string;
  readonly uri: string;
  readonly tasks: number;
  /** Each real `apptainer pull` appends one line here (pid, time) before it starts. */
  readonly pullLog: string;
  readonly registries: Record<string, { username: string; password: string }>;
  /** All processes start their tasks at this time (ms since the epoch), so that they really meet on a cold cache. */
  readonly startAt: number;
}

export interface ExecuteJob {
  readonly kind: 'execute';
  readonly options: ApptainerBackendOptionsInput;
  readonly request: ExecutionRequest;
  /** Also report the backend's ready spares (pid, cgroup folders) once they have started, before exiting. */
  readonly reportSpares?: boolean;
  /** Run the request this many times in a row (default 1); a lone first attempt starts no spare, later ones do. */
  readonly times?: number;
}

/** Keeps a pool of spares ready, says which (one JSON line), and waits until this process is killed or its stdin closes (then exits normally). */
export interface SparesJob {
  readonly kind: 'spares';
  readonly cgroupParent: string;
  readonly count: number;
}

async function holdSpares(job: SparesJob): Promise<unknown> {
  // Idle spares do not keep a process alive: this one must wait for them (and then for its end).
  setInterval(() => undefined, 60_000);
  const pool = new SparePool(detectCgroups(job.cgroupParent), { PATH: process.env['PATH'] ?? '/usr/bin:/bin' }, job.count);
  pool.take(job.count);
  pool.replenish();
  await pool.settled();
  process.stdout.write(`${JSON.stringify({ pid: process.pid, spares: pool.spares })}\n`);
  process.stdin.once('end', () => process.exit(0));
  process.stdin.resume();
  await new Promise(() => undefined);
  return {};
}

/** Takes the lock, says so, and holds it until this process is killed. */
export interface LockJob {
  readonly kind: 'lock';
  readonly path: string;
}

async function holdLock(job: LockJob): Promise<unknown> {
  await FileLock.acquire(job.path);
  process.stdout.write('held\n');
  await new Promise(() => undefined);
  return {};
}

async function storm(job: StormJob): Promise<unknown> {
  const version = await probeVersion('apptainer', process.env);
  const image = toRemoteImage(parseContainerSource(job.uri));
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, job.startAt - Date.now())));
  // One SifCache per task, as if each were its own process: every one of them goes through the file lock.
  const results = await Promise.all(
    Array.from({ length: job.tasks }, async () => {
      const cache = new SifCache({
        cacheDir: job.cacheDir,
        binary: 'apptainer',
        flavour: version.flavour,
        baseEnv: { PATH: process.env['PATH'] ?? '/usr/bin:/bin' },
        registries: job.registries,
        insecureRegistries: [],
        extraPullArgs: [],
        pullTimeoutMs: 120_000,
      });
      const started = Date.now();
      const cached = await cache.ensure(image, { policy: 'if-not-present', onPullStart: () => appendFileSync(job.pullLog, `${process.pid} ${Date.now()}\n`) });
      return { ...cached, ms: Date.now() - started };
    }),
  );
  return { pid: process.pid, results };
}

async function execute(job: ExecuteJob): Promise<unknown> {
  const backend = new ApptainerBackend(job.options);
  const warnings: string[] = [];
  let result: Awaited<ReturnType<ApptainerBackend['execute']>> | undefined;
  for (let time = 1; time <= (job.times ?? 1); time += 1) {
    const request = time === 1 ? job.request : { ...job.request, attempt: time, attemptName: `${job.request.attemptName}-${time}` };
    result = await backend.execute(request, new AbortController().signal, (event) => event.type === 'warning' && warnings.push(event.message));
  }
  const alive = setInterval(() => undefined, 60_000);
  await backend.sparePool?.settled();
  clearInterval(alive);
  const spares = job.reportSpares === true ? { spares: backend.sparePool?.spares ?? [] } : {};
  return {
    ...spares, uid: process.getuid?.(), capabilities: backend.capabilities, cgroups: backend.cgroups, privileges: backend.privileges, result, warnings };
}

const job = JSON.parse(process.argv[2] ?? '{}') as StormJob | ExecuteJob | LockJob | SparesJob;
const work = { storm, lock: holdLock, spares: holdSpares, execute } as const;
(work[job.kind] as (job: unknown) => Promise<unknown>)(job).then(
  (output) => process.stdout.write(`${JSON.stringify(output)}\n`),
  (error: unknown) => {
    process.stdout.write(`${JSON.stringify({ error: error instanceof Error ? error.message : String(error) })}\n`);
    process.exitCode = 1;
  },
);
