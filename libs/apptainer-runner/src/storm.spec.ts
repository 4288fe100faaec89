import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ApptainerBackend } from './apptainer-backend';
import { type StormJob } from './testing/worker';
import { bundleWorker } from './testing/bundle-worker';
import { localRegistry, makeRequest, makeTempDir, registryRequests, removeDir, run, tagInRegistry, uniqueId } from './testing/test-kit';

const PROCESSES = 4;
const TASKS_PER_PROCESS = 5;

// sprocket #1089 and nextflow #1210: many tasks starting on a cold cache pulled the same image at once and left
// corrupt or partial files. Here 4 node processes x 5 SifCache instances each (20 independent lock contenders) ask for
// one docker:// image on an empty cache folder at the same instant.
describe('the cold-cache storm: 20 concurrent conversions in 4 processes', () => {
  const registry = localRegistry();
  let dir: string;
  let worker: { file: string; dir: string };
  beforeAll(async () => {
    dir = await makeTempDir('storm');
    worker = await bundleWorker();
  });
  afterAll(async () => {
    await removeDir(dir);
    await removeDir(worker?.dir);
  });

  it('pulls exactly once, gives every task the same complete SIF, and leaves no partial file', async () => {
    const tag = uniqueId('storm');
    const reference = await tagInRegistry(registry, 'capstan/busybox', '1', tag);
    const uri = `docker://${reference}`;
    const cacheDir = join(dir, 'cache');
    const pullLog = join(dir, 'pulls.log');
    const manifestGets = (): number => registryRequests(`GET /v2/capstan/busybox/manifests/${tag}`);
    expect(manifestGets()).toBe(0);

    const job: StormJob = {
      kind: 'storm',
      cacheDir,
      uri,
      tasks: TASKS_PER_PROCESS,
      pullLog,
      registries: { [registry.registry]: { username: registry.username, password: registry.password } },
      startAt: Date.now() + 1_500,
    };
    const started = Date.now();
    const outputs = await Promise.all(
      Array.from({ length: PROCESSES }, () => promisify(execFile)(process.execPath, [worker.file, JSON.stringify(job)], { encoding: 'utf8', timeout: 90_000 })),
    );
    const elapsed = Date.now() - job.startAt;
    const reports = outputs.map((output) => JSON.parse(output.stdout) as { pid: number; results: Array<{ path: string; pulled: boolean; ms: number }> });
    const results = reports.flatMap((report) => report.results);

    expect(new Set(reports.map((report) => report.pid)).size).toBe(PROCESSES);
    expect(results).toHaveLength(PROCESSES * TASKS_PER_PROCESS);
    // One conversion: one line in the pullers' own log, one manifest GET at the registry, one result that pulled.
    expect((await readFile(pullLog, 'utf8')).trim().split('\n')).toHaveLength(1);
    expect(manifestGets()).toBe(1);
    expect(results.filter((result) => result.pulled)).toHaveLength(1);
    const paths = new Set(results.map((result) => result.path));
    expect(paths.size).toBe(1);
    const [sif] = [...paths];

    // Nothing partial: the cache holds the one image, its lock file, and an empty temp folder.
    expect((await readdir(cacheDir)).sort()).toEqual(['.locks', '.tmp', sif?.split('/').pop()].sort());
    expect(await readdir(join(cacheDir, '.tmp'))).toEqual([]);
    expect(await readdir(join(cacheDir, '.locks'))).toEqual([`${sif?.split('/').pop()?.replace(/\.sif$/, '')}.lock`]);

    // The image is whole: the backend runs a task from it, from the cache, without asking the registry again.
    const backend = new ApptainerBackend({ cacheDir, registries: job.registries });
    const request = await makeRequest(backend, dir, { command: 'cat /etc/passwd | head -n 1', requirements: { container: uri } });
    const { result, stdout, events } = await run(backend, request);
    expect(result.exitCode).toBe(0);
    expect(stdout).toBe('root:x:0:0:root:/root:/bin/sh\n');
    expect(events.filter((event) => event.type === 'pulling')).toEqual([]);
    expect(manifestGets()).toBe(1);
    console.log(`storm: ${results.length} tasks in ${PROCESSES} processes, 1 pull, all served ${elapsed} ms after the common start (${Date.now() - started} ms with node start-up); slowest task ${Math.max(...results.map((r) => r.ms))} ms`);
  });
});
