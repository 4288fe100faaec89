import { BackendTestRun, localRegistry } from '@capstan/backend-test-kit';
import { type BackendEvent } from '@capstan/core-constraints';
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchBackend } from './batch-backend';
import { type BatchBackendOptionsInput } from './batch-backend-options';

// The real one-node Grid Engine cell of tools/engines/gridengine.sh: qsub, qstat, qacct and qdel as they are.
const registry = localRegistry();
const DOCKER_IMAGE = 'capstan-test/busybox:1';

function gridEngine(options: BatchBackendOptionsInput = {}): BatchBackend {
  return new BatchBackend({ pollIntervalMs: 200, graceSeconds: 2, profile: 'gridengine', ...options });
}

/** Grid Engine's jobs of this user, pending or running, as qstat shows them. */
function qstatIds(): string[] {
  return execFileSync('qstat', { encoding: 'utf8' }).split('\n').flatMap((line) => /^\s*([0-9]+)\s/.exec(line)?.[1] ?? []);
}

describe('BatchBackend on real Grid Engine', () => {
  const run = new BackendTestRun('capstan-batch-ge-', DOCKER_IMAGE);
  beforeEach(() => run.setUp());
  afterEach(() => run.tearDown());

  it('probes the scheduler with one status call', async () => {
    const backend = gridEngine({ runtime: 'docker' });
    expect(await backend.probe()).toMatchObject({ available: true, problems: [], details: { profile: 'gridengine' } });
    expect(backend.commandCounts()).toEqual({ qstat: 1 });
  });

  it('runs a task with Apptainer in the job, its image from the registry with a login', async () => {
    const backend = gridEngine({
      sifCacheDir: join(tmpdir(), 'capstan-batch-test-sif'),
      registries: { [registry.registry]: { username: registry.username, password: registry.password } },
    });
    const request = await run.request(backend, { command: 'echo hello from apptainer; exit 4', requirements: { container: `docker://${registry.image}` } });
    const events: BackendEvent[] = [];
    const result = await backend.execute(request, new AbortController().signal, (event) => events.push(event));
    expect(await readFile(request.paths.stderrFile, 'utf8')).toBe('');
    expect(result).toMatchObject({ exitCode: 4, endReason: 'exited' });
    expect(await readFile(request.paths.stdoutFile, 'utf8')).toBe('hello from apptainer\n');
    expect(events.filter((event) => event.type === 'started')).toHaveLength(1);
  }, 120_000);

  it('reads the state of all its jobs with one qstat per poll, however many there are', async () => {
    const backend = gridEngine({ runtime: 'docker' });
    const requests = await Promise.all([1, 2, 3, 4, 5, 6].map((n) => run.request(backend, { command: `sleep 2; echo job ${n}` })));
    const results = await Promise.all(requests.map((request) => backend.execute(request, new AbortController().signal, () => undefined)));
    expect(results.map((result) => result.exitCode)).toEqual([0, 0, 0, 0, 0, 0]);
    const stats = backend.monitorStatistics();
    expect(stats.mostJobsInOnePoll).toBeGreaterThanOrEqual(2);
    // Every qstat was a poll (no per-job status call); qacct runs only for a job that left without its status file.
    expect(backend.commandCounts()).toEqual({ qsub: 6, qstat: stats.polls });
  }, 120_000);

  it('cancels with qdel: the job leaves Grid Engine and its container is gone', async () => {
    const backend = gridEngine({ runtime: 'docker' });
    const request = await run.request(backend, { command: 'echo up; sleep 300' });
    const controller = new AbortController();
    let jobId = '';
    const done = backend.execute(request, controller.signal, (event) => {
      if (event.type === 'started') jobId = event.id;
      if (event.type === 'log' && event.text.includes('up')) controller.abort();
    });
    expect(await done).toMatchObject({ endReason: 'canceled' });
    expect(backend.commandCounts()['qdel']).toBe(1);
    expect(qstatIds()).not.toContain(jobId);
    expect(execFileSync('docker', ['ps', '--all', '--quiet', '--filter', `name=^${request.attemptName}$`], { encoding: 'utf8' }).trim()).toBe('');
  }, 120_000);

  it('never hands a hostile job name to qsub: the task fails before any command runs', async () => {
    const backend = gridEngine({ runtime: 'docker' });
    const request = { ...(await run.request(backend, { command: 'true' })), attemptName: 'x -b y /bin/touch /tmp/capstan-batch-pwned' };
    await expect(backend.execute(request, new AbortController().signal, () => undefined)).rejects.toThrow('cannot be the {job_name} of the submit command');
    expect(backend.commandCounts()).toEqual({});
  });
});
