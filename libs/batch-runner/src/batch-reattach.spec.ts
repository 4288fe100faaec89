import { BackendTestRun } from '@capstan/backend-test-kit';
import { type ExecutionRequest, type ManagedResource } from '@capstan/core-constraints';
import { CapstanLabel } from '@capstan/support';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchBackend } from './batch-backend';

// A Capstan process that dies while its Grid Engine jobs run (here: a backend closed mid-job, its execute never
// settling) and the next one that takes them over, on the real one-node cell of tools/engines/gridengine.sh (and one
// job of the slurm profile on the cluster of tools/engines/slurm.sh).
const IMAGE = 'capstan-test/busybox:1';

describe('BatchBackend takes over the Grid Engine jobs of an earlier process', () => {
  const run = new BackendTestRun('capstan-batch-reattach-i15rest-', IMAGE);
  let records: string;
  let streams: { stdoutFile: string; stderrFile: string };
  const backends: BatchBackend[] = [];
  const gridEngine = (profile: 'gridengine' | 'slurm' = 'gridengine'): BatchBackend => {
    const backend = new BatchBackend({ pollIntervalMs: 200, graceSeconds: 2, profile, runtime: 'docker', jobRecordsDir: records, ...(profile === 'slurm' ? { queue: 'debug' } : {}) });
    backends.push(backend);
    return backend;
  };
  const selector = (request: ExecutionRequest): Record<string, string> => ({ [CapstanLabel.UniqueName]: request.attemptName });

  beforeEach(async () => {
    await run.setUp();
    records = await mkdtemp(join(tmpdir(), 'capstan-batch-records-i15rest-'));
    streams = { stdoutFile: join(records, 'taken-stdout'), stderrFile: join(records, 'taken-stderr') };
  });
  afterEach(async () => {
    for (const backend of backends.splice(0)) backend.close();
    await rm(records, { recursive: true, force: true });
    await run.tearDown();
  });

  /** Submits the task with a first backend and abandons it once the job runs: what a kill -9 of its process leaves. */
  async function abandoned(command: string, profile: 'gridengine' | 'slurm' = 'gridengine'): Promise<{ request: ExecutionRequest; jobId: string }> {
    const first = gridEngine(profile);
    const request = await run.request(first, { command, hints: { shell: 'sh' } });
    let started = '';
    const jobId = await new Promise<string>((resolve, reject) => {
      first.execute(request, new AbortController().signal, (event) => {
        if (event.type === 'started') started = event.id;
        if (event.type === 'log' && event.text.includes('before')) resolve(started);
      }).catch(reject);
    });
    first.close();
    return { request, jobId };
  }

  it('finds a running job by its labels and follows it to its end: exit code and all of its output, once', async () => {
    const { request, jobId } = await abandoned('echo before; sleep 4; echo after; exit 3');
    const abandonedAt = Date.now();
    const second = gridEngine();
    expect(await second.listManaged({ [CapstanLabel.RunId]: 'another-run' })).toEqual([]);
    const [job, ...others] = await second.listManaged(selector(request));
    expect(others).toEqual([]);
    expect(job).toMatchObject({ id: jobId, name: request.attemptName, state: 'running', labels: request.labels });
    const ends: number[] = [];
    const result = await second.reattach(job as ManagedResource, { ...streams, beforeRemoval: async (end) => void ends.push(end.exitCode ?? -1) }, new AbortController().signal);
    expect(result).toMatchObject({ exitCode: 3, endReason: 'exited' });
    expect(ends).toEqual([3]);
    // Its start is the one the first process saw, not the take-over's.
    expect(result.startedAt.getTime()).toBeLessThan(abandonedAt);
    expect(await readFile(streams.stdoutFile, 'utf8')).toBe('before\nafter\n');
    // Forgotten once its result is known: a third process finds nothing to take over.
    expect(await second.listManaged(selector(request))).toEqual([]);
    expect(second.commandCounts()['qsub']).toBeUndefined();
  }, 120_000);

  it('harvests a job that ended while no process watched it', async () => {
    const { request, jobId } = await abandoned('echo before; exit 5');
    await until(() => !qstatIds().includes(jobId));
    const second = gridEngine();
    const [job] = await second.listManaged(selector(request));
    expect(job).toMatchObject({ id: jobId, state: 'exited' });
    expect(await second.reattach(job as ManagedResource, streams, new AbortController().signal)).toMatchObject({ exitCode: 5, endReason: 'exited' });
  }, 120_000);

  it('a job killed behind Capstan\'s back (qdel) ends failed, never as a success', async () => {
    const { request, jobId } = await abandoned('echo before; sleep 60; exit 0');
    const second = gridEngine();
    const [job] = await second.listManaged(selector(request));
    execFileSync('qdel', [jobId]);
    const result = await second.reattach(job as ManagedResource, streams, new AbortController().signal);
    expect(result.endReason === 'exited' && result.exitCode === 0).toBe(false);
    expect(['exited', 'error', 'lost']).toContain(result.endReason);
  }, 120_000);

  it('adopts no job without a record, nor a record whose job id now names another job', async () => {
    const { request, jobId } = await abandoned('echo before; sleep 60');
    const second = gridEngine();
    // Hostile: a job submitted by hand under a Capstan-like name has no record; a record forged for it names another job.
    const script = join(records, 'by-hand.sh');
    await writeFile(script, 'sleep 60\n');
    const foreign = execFileSync('qsub', ['-terse', '-N', 'zz-by-hand', '-o', '/dev/null', '-e', '/dev/null', script], { encoding: 'utf8' }).trim();
    try {
      const [file] = (await readdir(records)).filter((name) => name.endsWith('.json'));
      const genuine = JSON.parse(await readFile(join(records, file ?? ''), 'utf8')) as Record<string, unknown>;
      await writeFile(join(records, `gridengine-${foreign}.json`), JSON.stringify({ ...genuine, jobId: foreign }));
      await writeFile(join(records, 'gridengine-999999.json'), '{"jobId": "999999", "cut sh');
      const listed = await second.listManaged(selector(request));
      expect(listed.map((job) => job.id)).toEqual([jobId]);
      // removeManaged cancels the job and forgets it.
      await second.removeManaged(listed[0] as ManagedResource);
      await until(() => !qstatIds().includes(jobId));
      expect(await second.listManaged(selector(request))).toEqual([]);
    } finally {
      execFileSync('qdel', [foreign]);
    }
  }, 120_000);

  it('takes over a job of the slurm profile too, found with squeue --me (real Slurm)', async () => {
    const { request, jobId } = await abandoned('echo before; sleep 3; echo after; exit 2', 'slurm');
    const second = gridEngine('slurm');
    const [job, ...others] = await second.listManaged(selector(request));
    expect(others).toEqual([]);
    expect(job).toMatchObject({ id: jobId, name: request.attemptName, state: 'running' });
    expect(await second.reattach(job as ManagedResource, streams, new AbortController().signal)).toMatchObject({ exitCode: 2, endReason: 'exited' });
    expect(await readFile(streams.stdoutFile, 'utf8')).toBe('before\nafter\n');
    expect(second.commandCounts()['sbatch']).toBeUndefined();
  }, 120_000);

  it('fails the listing, typed, when the scheduler does not answer', async () => {
    const broken = new BatchBackend({ profile: 'gridengine', runtime: 'docker', jobRecordsDir: records, commands: { list: ['/bin/false'] } });
    backends.push(broken);
    await expect(broken.listManaged({})).rejects.toMatchObject({ code: 'backend.unavailable' });
  });
});

function qstatIds(): string[] {
  return execFileSync('qstat', { encoding: 'utf8' }).split('\n').flatMap((line) => /^\s*([0-9]+)\s/.exec(line)?.[1] ?? []);
}

async function until(check: () => boolean, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
