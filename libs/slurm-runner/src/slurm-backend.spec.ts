import { BackendTestRun } from '@capstan/backend-test-kit';
import { type BackendEvent } from '@capstan/core-constraints';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type SlurmBackend } from './slurm-backend';
import { containersLabelled, DOCKER_IMAGE, jobState, randomMarker, REGISTRY_IMAGE, registryRequests, sleeping, tagInRegistry, testBackend, until } from './testing/slurm-test-kit';

// Real Slurm (tools/engines/slurm.sh: one node, partitions debug and short) running real containers: Apptainer with
// the local registry's image converted to SIF, and Docker with the local test image. No mocks.
jest.setTimeout(120_000);

const startedId = (events: BackendEvent[]): string => {
  const started = events.find((event) => event.type === 'started');
  if (started?.type !== 'started') throw new Error('no started event');
  return started.id;
};
const streamed = (events: BackendEvent[], stream: string): string => events.map((event) => (event.type === 'log' && event.stream === stream ? event.text : '')).join('');

describe('SlurmBackend (real Slurm, Apptainer in the job)', () => {
  let backend: SlurmBackend;
  const run = new BackendTestRun('capstan-slurm-', REGISTRY_IMAGE);

  beforeAll(async () => {
    backend = testBackend();
    await run.setUp();
  });
  afterAll(async () => {
    for (const job of (await backend.listManaged({ 'io.capstan.run-id': run.runId })) ?? []) await backend.removeManaged(job);
    backend.close();
    await run.tearDown();
  });

  it('probes the cluster: commands, controller, partitions, the runtime, what the cgroups confine', async () => {
    const probe = await backend.probe();
    expect(probe).toMatchObject({ available: true, problems: [] });
    expect(probe.version).toMatch(/^slurm/);
    expect(probe.details).toMatchObject({ partitions: 'short, debug', runtime: 'apptainer', slurmConfinesMemory: true });
    expect(String(probe.details['controller'])).toMatch(/is UP/);
  });

  it('names what is missing, with the fix: Slurm commands, a partition the cluster lacks', async () => {
    const noCommands = await testBackend({ binDir: '/nonexistent/slurm/bin' }).probe();
    expect(noCommands.available).toBe(false);
    expect(noCommands.problems.join('\n')).toMatch(/sbatch, squeue, scontrol, scancel are not in \/nonexistent\/slurm\/bin; .*set slurm\.binDir/);
    const wrongPartition = testBackend({ partitions: { gpu: 'gpu-nodes', default: 'debug' } });
    const probe = await wrongPartition.probe();
    expect(probe.problems).toEqual([expect.stringMatching(/partition "gpu-nodes" \(slurm\.partitions\.gpu\) does not exist; the cluster has debug, short/)]);
    await expect(wrongPartition.capacity()).rejects.toMatchObject({ code: 'config.invalid', path: 'slurm.partitions.gpu' });
    const noRuntime = await testBackend({ runtimeBinary: 'no-such-runtime' }).probe();
    expect(noRuntime.problems).toEqual([expect.stringMatching(/no-such-runtime is not installed on this host.*slurm\.probeRuntime: false/)]);
  });

  it('reports the largest node of its partitions as the per-task maximum, as sinfo shows it', async () => {
    const [cpus = '', memoryMiB = ''] = execFileSync('sinfo', ['--noheader', '--partition=debug', '--Node', '--format=%c %m'], { encoding: 'utf8' }).trim().split('\n')[0]?.split(/\s+/) ?? [];
    const capacity = await backend.capacity();
    expect(capacity.perTaskMax).toEqual({ cpu: Number(cpus), memory: Number(memoryMiB) * 1024 * 1024, gpu: 0 });
    expect(capacity.containerKinds).toEqual(['docker', 'library', 'oras', 'sif']);
    expect(backend.capabilities.schedulesItself).toBe(true);
    expect(backend.capabilities.usage).toBe('sampled');
  });

  it('runs a task to success: output in the attempt files and log events, the job named after the attempt', async () => {
    const request = await run.request(backend, { command: 'pwd; echo out-line; echo err-line >&2; echo result > out.txt' });
    const { result, events } = await run.execute(backend, request, undefined, undefined);
    expect(result).toMatchObject({ exitCode: 0, endReason: 'exited' });
    expect(await readFile(request.paths.stdoutFile, 'utf8')).toBe('/mnt/task/work\nout-line\n');
    expect(await readFile(request.paths.stderrFile, 'utf8')).toBe('err-line\n');
    expect(await readFile(join(request.paths.workDir, 'out.txt'), 'utf8')).toBe('result\n');
    const jobId = startedId(events);
    expect(execFileSync('squeue', ['--noheader', '--states=all', `--jobs=${jobId}`, '--Format=Name:0'], { encoding: 'utf8' }).trim()).toBe(request.attemptName);
    expect(jobState(jobId)).toEqual({ state: 'COMPLETED', partition: 'debug' });
  });

  it('streams stdout and stderr as log events', async () => {
    const request = await run.request(backend, { command: 'echo one; sleep 1; echo two >&2' });
    const events: BackendEvent[] = [];
    await run.execute(backend, request, undefined, (event) => events.push(event));
    expect(streamed(events, 'stdout')).toBe('one\n');
    expect(streamed(events, 'stderr')).toBe('two\n');
  });

  it('sends a task whose timeout is within shortTaskMaxMinutes to the short partition', async () => {
    const request = await run.request(backend, { command: 'true' }, { timeoutMs: 30_000 });
    const { result, events } = await run.execute(backend, request);
    expect(result.endReason).toBe('exited');
    expect(jobState(startedId(events)).partition).toBe('short');
  });

  it('passes exit codes through, and 128 + the signal for a task killed by one', async () => {
    const exit3 = await run.execute(backend, await run.request(backend, { command: 'exit 3' }));
    expect(exit3.result).toMatchObject({ exitCode: 3, endReason: 'exited' });
    expect(jobState(startedId(exit3.events)).state).toBe('FAILED');
    const killed = await run.execute(backend, await run.request(backend, { command: 'sh -c \'kill -KILL $$\'' }));
    expect(killed.result).toMatchObject({ exitCode: 137, endReason: 'exited' });
  });

  it('ends a task at its timeout: the job is canceled and nothing of it runs', async () => {
    const marker = randomMarker();
    const request = await run.request(backend, { command: `sleep ${marker}` }, { timeoutMs: 1500 });
    const { result, events } = await run.execute(backend, request);
    expect(result).toMatchObject({ endReason: 'timeout' });
    expect(result.message).toMatch(/timeout of 1\.5 s/);
    expect(jobState(startedId(events)).state).toBe('CANCELLED');
    expect(sleeping(marker)).toBe(false);
  });

  it('cancels: scancel, then nothing of the job runs and it is no longer listed', async () => {
    const marker = randomMarker();
    const request = await run.request(backend, { command: `sleep ${marker}` });
    const controller = new AbortController();
    const running = run.execute(backend, request, controller.signal);
    await until(() => sleeping(marker), 60_000, 'the task to start');
    expect((await run.leftovers(backend)).length).toBe(1);
    controller.abort();
    const { result, events } = await running;
    expect(result).toMatchObject({ endReason: 'canceled' });
    expect(jobState(startedId(events)).state).toBe('CANCELLED');
    expect(sleeping(marker)).toBe(false);
    expect(await run.leftovers(backend)).toEqual([]);
  });

  it('kills a task that ignores SIGTERM after the grace period', async () => {
    const marker = randomMarker();
    const request = await run.request(backend, { command: `trap '' TERM; sleep ${marker}; sleep ${marker}` });
    const controller = new AbortController();
    const running = run.execute(backend, request, controller.signal);
    await until(() => sleeping(marker), 60_000, 'the task to start');
    controller.abort();
    const { result, events } = await running;
    expect(result).toMatchObject({ endReason: 'canceled', exitCode: 137 });
    expect(jobState(startedId(events)).state).toBe('CANCELLED');
    expect(sleeping(marker)).toBe(false);
  });

  it('kills now when stopNow aborts, without waiting for the task to stop', async () => {
    const marker = randomMarker();
    // A task that ignores SIGTERM: only SIGKILL ends it.
    const request = await run.request(backend, { command: `trap '' TERM; sleep ${marker}; sleep ${marker}` }, {});
    const controller = new AbortController();
    const stopNow = new AbortController();
    const running = run.execute(backend, { ...request, stopNow: stopNow.signal }, controller.signal);
    await until(() => sleeping(marker), 60_000, 'the task to start');
    controller.abort();
    stopNow.abort();
    const { result } = await running;
    expect(result.endReason).toBe('canceled');
    expect(sleeping(marker)).toBe(false);
    expect(backend.monitorStatistics().jobsCanceled).toBeGreaterThan(0);
  });

  it('reads the state of all its jobs with one squeue per poll, however many there are', async () => {
    const before = backend.commandCounts();
    const statsBefore = backend.monitorStatistics();
    const tasks = 10;
    const requests = await Promise.all(Array.from({ length: tasks }, () => run.request(backend, { command: 'sleep 2; echo done' })));
    const outcomes = await Promise.all(requests.map((request) => run.execute(backend, request)));
    expect(outcomes.map((outcome) => outcome.result.exitCode)).toEqual(Array.from({ length: tasks }, () => 0));
    const after = backend.commandCounts();
    const stats = backend.monitorStatistics();
    const polls = stats.polls - statsBefore.polls;
    // Every squeue was one poll, and one poll asked about all ten jobs at once: the calls follow the clock, not the tasks.
    expect(after.squeue - before.squeue).toBe(polls);
    expect(stats.mostJobsInOnePoll).toBeGreaterThanOrEqual(tasks);
    expect(after.sbatch - before.sbatch).toBe(tasks);
    expect(after.scontrol - before.scontrol).toBe(0);
    expect(after.scancel - before.scancel).toBe(0);
  });

  it('lists its pending and running jobs by label and removes them', async () => {
    const marker = randomMarker();
    const request = await run.request(backend, { command: `sleep ${marker}` });
    const controller = new AbortController();
    const running = run.execute(backend, request, controller.signal);
    await until(() => sleeping(marker), 60_000, 'the task to start');
    const listed = await backend.listManaged({ 'io.capstan.run-id': run.runId, 'io.capstan.unique-name': request.attemptName });
    expect(listed).toEqual([expect.objectContaining({ name: request.attemptName, state: 'running', labels: expect.objectContaining(request.labels) })]);
    expect(await backend.listManaged({ 'io.capstan.run-id': 'some-other-run' })).toEqual([]);
    await backend.removeManaged(listed[0] ?? { id: '', name: '', labels: {}, state: '' });
    // Canceled outside the execute call (as cleanup does): the attempt sees a job canceled by someone else.
    const { result } = await running;
    expect(result.endReason).toBe('canceled');
    expect(result.message).toMatch(/canceled outside Capstan/);
    expect(sleeping(marker)).toBe(false);
  });

  it('converts an image once for jobs that need it at the same time, into a cache left whole', async () => {
    const cache = await mkdtemp(join(tmpdir(), 'capstan-slurm-sif-once-'));
    const fresh = testBackend({ sifCacheDir: cache });
    try {
      // A tag no other test uses, so that the registry's log counts only these jobs' requests.
      const tag = `slurm-${run.runId}`;
      const image = `docker://${await tagInRegistry(tag)}`;
      const jobs = 3;
      const requests = await Promise.all(Array.from({ length: jobs }, () => run.request(fresh, { command: 'cat /etc/passwd | head -n 1', requirements: { container: image } })));
      const outcomes = await Promise.all(requests.map((request) => run.execute(fresh, request)));
      expect(outcomes.map((outcome) => outcome.result.exitCode)).toEqual([0, 0, 0]);
      for (const request of requests) expect(await readFile(request.paths.stdoutFile, 'utf8')).toMatch(/^root:/);
      expect(registryRequests(`GET /v2/capstan/busybox/manifests/${tag}`)).toBe(1);
      const entries = (await readdir(cache)).filter((name) => name.endsWith('.sif'));
      expect(entries).toHaveLength(1);
      expect(await readdir(join(cache, '.tmp'))).toEqual([]);
    } finally {
      fresh.close();
      await rm(cache, { recursive: true, force: true });
    }
  });

  it('fails a task whose image cannot be pulled, naming the image and the reason', async () => {
    const missing = `docker://${REGISTRY_IMAGE.slice('docker://'.length).replace(/busybox:1$/, 'missing:1')}`;
    const request = await run.request(backend, { command: 'true', requirements: { container: missing } });
    await expect(run.execute(backend, request)).rejects.toMatchObject({ code: 'image.unavailable', message: expect.stringContaining(missing) });
  });
});

describe('SlurmBackend (real Slurm, Docker in the job)', () => {
  let backend: SlurmBackend;
  const run = new BackendTestRun('capstan-slurm-docker-', DOCKER_IMAGE);

  beforeAll(async () => {
    backend = testBackend({ runtime: 'docker' });
    await run.setUp();
  });
  afterAll(async () => {
    for (const job of (await backend.listManaged({ 'io.capstan.run-id': run.runId })) ?? []) await backend.removeManaged(job);
    for (const id of containersLabelled(`io.capstan.run-id=${run.runId}`)) execFileSync('docker', ['rm', '-f', id]);
    backend.close();
    await run.tearDown();
  });

  it('runs the container with the request labels and the task variables, and removes it afterwards', async () => {
    // The task waits for a file the test writes once it has looked at the running container: no timing involved.
    const request = await run.request(backend, { command: 'echo hi; while [ ! -e go ]; do sleep 0.1; done; echo "$GREETING"', env: { GREETING: 'hello world' } });
    const running = run.execute(backend, request);
    const label = `io.capstan.unique-name=${request.attemptName}`;
    await until(() => containersLabelled(label).length === 1, 60_000, 'the container to run');
    const [id = ''] = containersLabelled(label);
    const labels = JSON.parse(execFileSync('docker', ['inspect', '--format', '{{json .Config.Labels}}', id], { encoding: 'utf8' })) as Record<string, string>;
    expect(labels).toMatchObject(request.labels);
    await writeFile(join(request.paths.workDir, 'go'), '');
    const { result } = await running;
    expect(result).toMatchObject({ exitCode: 0, endReason: 'exited' });
    expect(await readFile(request.paths.stdoutFile, 'utf8')).toBe('hi\nhello world\n');
    expect(containersLabelled(label)).toEqual([]);
  });

  it('cancel stops and removes the container, which is no process of the job', async () => {
    const marker = randomMarker();
    const request = await run.request(backend, { command: `sleep ${marker}` });
    const controller = new AbortController();
    const running = run.execute(backend, request, controller.signal);
    await until(() => sleeping(marker), 60_000, 'the container to start');
    expect(containersLabelled(`io.capstan.unique-name=${request.attemptName}`)).toHaveLength(1);
    controller.abort();
    const { result, events } = await running;
    expect(result.endReason).toBe('canceled');
    expect(jobState(startedId(events)).state).toBe('CANCELLED');
    expect(sleeping(marker)).toBe(false);
    expect(containersLabelled(`io.capstan.unique-name=${request.attemptName}`)).toEqual([]);
  });

  it('kills now: the container is killed and removed at once', async () => {
    const marker = randomMarker();
    const request = await run.request(backend, { command: `trap '' TERM; sleep ${marker}; sleep ${marker}` });
    const controller = new AbortController();
    const stopNow = new AbortController();
    const running = run.execute(backend, { ...request, stopNow: stopNow.signal }, controller.signal);
    await until(() => sleeping(marker), 60_000, 'the container to start');
    controller.abort();
    stopNow.abort();
    const { result } = await running;
    expect(result.endReason).toBe('canceled');
    expect(sleeping(marker)).toBe(false);
    expect(containersLabelled(`io.capstan.unique-name=${request.attemptName}`)).toEqual([]);
  });

  it('reports a container the runtime killed for memory as oom', async () => {
    const request = await run.request(backend, { command: 'x=$(head -c 200000000 /dev/zero | tr "\\0" a); echo survived', requirements: { memory: '32 MiB' } });
    const { result } = await run.execute(backend, request);
    expect(result.endReason).toBe('oom');
    expect(result.message).toMatch(/OOMKilled/);
  });
});

describe('SlurmBackend (real Slurm, Podman in the job)', () => {
  let backend: SlurmBackend;
  const run = new BackendTestRun('capstan-slurm-podman-', 'localhost/capstan-test/busybox:1');
  const podmanContainers = (label: string): string[] =>
    execFileSync('podman', ['ps', '--all', '--quiet', '--filter', `label=${label}`], { encoding: 'utf8' }).split('\n').filter((line) => line !== '');

  beforeAll(async () => {
    backend = testBackend({ runtime: 'podman' });
    await run.setUp();
  });
  afterAll(async () => {
    for (const job of (await backend.listManaged({ 'io.capstan.run-id': run.runId })) ?? []) await backend.removeManaged(job);
    for (const id of podmanContainers(`io.capstan.run-id=${run.runId}`)) execFileSync('podman', ['rm', '-f', id]);
    backend.close();
    await run.tearDown();
  });

  it('runs the task with its variables and exit code, and removes the container', async () => {
    const request = await run.request(backend, { command: 'echo "$GREETING"; cat /mnt/task/command >/dev/null; exit 4', env: { GREETING: 'hello podman' } });
    const { result } = await run.execute(backend, request);
    expect(result).toMatchObject({ exitCode: 4, endReason: 'exited' });
    expect(await readFile(request.paths.stdoutFile, 'utf8')).toBe('hello podman\n');
    expect(podmanContainers(`io.capstan.unique-name=${request.attemptName}`)).toEqual([]);
  });

  it('cancel stops and removes the container', async () => {
    const marker = randomMarker();
    const request = await run.request(backend, { command: `sleep ${marker}` });
    const controller = new AbortController();
    const running = run.execute(backend, request, controller.signal);
    await until(() => sleeping(marker), 60_000, 'the container to start');
    controller.abort();
    expect((await running).result.endReason).toBe('canceled');
    expect(sleeping(marker)).toBe(false);
    expect(podmanContainers(`io.capstan.unique-name=${request.attemptName}`)).toEqual([]);
  });
});
