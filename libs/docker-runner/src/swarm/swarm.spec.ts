import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DockerBackend } from '../docker-backend';
import { DockerTestRun } from '../testing/docker-test-kit';

jest.setTimeout(90_000);

/** Holds ~100 MB in a shell variable: well past a 32 MiB limit. */
const ALLOCATE_100_MB = 'x=$(head -c 100000000 /dev/zero | tr "\\0" a); echo "held ${#x} bytes"';

// Against the machine's Docker as a one-node swarm manager (tools/engines/swarm.sh).
describe('DockerBackend in swarm mode (real swarm)', () => {
  const run = new DockerTestRun();
  const backend = new DockerBackend({ swarm: 'on', swarmPollMs: 100, graceSeconds: 5 });

  beforeAll(async () => {
    const probe = await backend.probe();
    if (!probe.available) throw new Error(`${probe.problems.join('; ')} (run: bash tools/engines/swarm.sh)`);
  });
  beforeEach(() => run.setUp());
  afterEach(async () => {
    const left = await backend.listManaged({ 'io.capstan.run-id': run.runId });
    await Promise.all(left.map((resource) => backend.removeManaged(resource)));
    await run.tearDown();
    expect(left.map((resource) => resource.name)).toEqual([]);
  });

  /** Containers of any service of this run, on this node (the swarm names them after their service). */
  async function taskContainers(): Promise<string[]> {
    const containers = await backend.client.api.listContainers({ all: true, filters: { label: ['com.docker.swarm.service.name'] } });
    return containers.map((container) => container.Labels['com.docker.swarm.service.name'] ?? '').filter((name) => name.startsWith(run.runId));
  }

  it('runs an attempt as a service: output, inputs read-only, the work dir writable, the service removed', async () => {
    const source = join(run.root, 'reads.fq');
    await writeFile(source, '@r1\nACGT\n');
    const request = await run.request(backend, {
      command: 'cat /mnt/task/inputs/reads.fq; echo done > out.txt; echo to-err >&2; echo x >> /mnt/task/inputs/reads.fq || echo refused',
      inputs: [{ source }],
    });
    const { result, events } = await run.execute(backend, request);
    expect(result).toMatchObject({ exitCode: 0, endReason: 'exited' });
    expect(await readFile(request.paths.stdoutFile, 'utf8')).toBe('@r1\nACGT\nrefused\n');
    expect(await readFile(request.paths.stderrFile, 'utf8')).toMatch(/^to-err\n.*Read-only file system/s);
    expect(await readFile(join(request.paths.workDir, 'out.txt'), 'utf8')).toBe('done\n');
    expect(await readFile(source, 'utf8')).toBe('@r1\nACGT\n');
    expect(events.map((event) => event.type)).toContain('started');
    expect(await taskContainers()).toEqual([]);
  });

  it('puts the request labels on the service, with reservations, limits and the restart policy none', async () => {
    const request = await run.request(backend, { command: 'while [ ! -f go ]; do sleep 0.05; done', requirements: { cpu: 0.5, memory: '48 MiB' }, hints: { max_cpu: 1, max_memory: '64 MiB' } });
    let spec: unknown;
    const { result } = await run.execute(backend, request, undefined, (event) => {
      if (event.type !== 'started') return;
      void backend.swarm.api
        .inspectService(event.id)
        .then((service) => (spec = service?.Spec))
        .finally(() => writeFile(join(request.paths.workDir, 'go'), ''));
    });
    expect(result.exitCode).toBe(0);
    expect(spec).toMatchObject({
      Name: request.attemptName,
      Labels: expect.objectContaining(request.labels),
      Mode: { Replicated: { Replicas: 1 } },
      TaskTemplate: {
        RestartPolicy: { Condition: 'none', MaxAttempts: 0 },
        Resources: { Reservations: { NanoCPUs: 500_000_000, MemoryBytes: 48 * 1024 * 1024 }, Limits: { NanoCPUs: 1_000_000_000, MemoryBytes: 64 * 1024 * 1024, Pids: 4096 } },
        ContainerSpec: { Command: ['sh', '/mnt/task/command'], Dir: '/mnt/task/work' },
      },
    });
  });

  it('names an image by its registry digest (nodes run exactly it), and a local-only image by id, pinned to this node', async () => {
    const seen: Array<[string, string[]]> = [];
    const runUntilInspected = async (container?: string): Promise<number | null> => {
      const request = await run.request(backend, { command: 'while [ ! -f go ]; do sleep 0.05; done', ...(container ? { requirements: { container } } : {}) });
      const outcome = await run.execute(backend, request, undefined, (event) => {
        if (event.type !== 'started') return;
        void backend.swarm.api
          .inspectService(event.id)
          .then((service) => {
            const template = service?.Spec.TaskTemplate as { ContainerSpec: { Image: string }; Placement: { Constraints?: string[] } } | undefined;
            if (template !== undefined) seen.push([template.ContainerSpec.Image, template.Placement.Constraints ?? []]);
          })
          .finally(() => writeFile(join(request.paths.workDir, 'go'), ''));
      });
      return outcome.result.exitCode;
    };
    expect(await runUntilInspected('127.0.0.1:5000/capstan/busybox:1')).toBe(0);
    expect(await runUntilInspected()).toBe(0);
    const info = (await backend.client.info()) as { Swarm?: { NodeID?: string } };
    expect(seen).toEqual([
      [expect.stringMatching(/^127\.0\.0\.1:5000\/capstan\/busybox@sha256:[0-9a-f]{64}$/), []],
      [expect.stringMatching(/^sha256:[0-9a-f]{64}$/), [`node.id==${info.Swarm?.NodeID}`]],
    ]);
  });

  it('reports the exit code and keeps nothing of a failed attempt', async () => {
    const { result } = await run.execute(backend, await run.request(backend, { command: 'echo failing; exit 3' }));
    expect(result).toMatchObject({ exitCode: 3, endReason: 'exited' });
    expect(await taskContainers()).toEqual([]);
  });

  it('ends a task over its memory limit with reason oom, from the node’s OOMKilled', async () => {
    const request = await run.request(backend, { command: ALLOCATE_100_MB, requirements: { memory: '16 MiB' }, hints: { max_memory: '32 MiB' } });
    const { result } = await run.execute(backend, request);
    expect(result).toMatchObject({ endReason: 'oom', exitCode: 137 });
    expect(result.message).toContain('limit 32 MiB');
  });

  it('stops a task past its timeout through the swarm, with the grace period, and says timeout', async () => {
    const request = await run.request(backend, { command: "trap 'echo got TERM; exit 5' TERM; echo ready; while true; do sleep 0.1; done" }, { timeoutMs: 500 });
    const { result } = await run.execute(backend, request);
    expect(result).toMatchObject({ endReason: 'timeout', exitCode: 5 });
    expect(await readFile(request.paths.stdoutFile, 'utf8')).toBe('ready\ngot TERM\n');
  });

  it('cancels a running task: canceled, and no service or container of it is left', async () => {
    const controller = new AbortController();
    const request = await run.request(backend, { command: 'echo running; sleep 300' });
    const { result } = await run.execute(backend, request, controller.signal, (event) => {
      if (event.type === 'log') controller.abort();
    });
    expect(result.endReason).toBe('canceled');
    expect(await run.leftovers(backend)).toEqual([]);
    expect(await taskContainers()).toEqual([]);
  });

  it('leaves nothing when canceled at any moment of the service’s life', async () => {
    const delays = [0, 20, 150, 600];
    const outcomes = await Promise.all(
      delays.map(async (delay) => {
        const controller = new AbortController();
        const request = await run.request(backend, { command: 'sleep 300' });
        setTimeout(() => controller.abort(), delay);
        return (await run.execute(backend, request, controller.signal)).result.endReason;
      }),
    );
    expect(outcomes).toEqual(delays.map(() => 'canceled'));
    expect(await run.leftovers(backend)).toEqual([]);
    expect(await taskContainers()).toEqual([]);
  });

  it('reads the state of all in-flight services in one call per poll', async () => {
    const batching = new DockerBackend({ swarm: 'on', swarmPollMs: 100 });
    // Small reservations, so that the swarm places all three at once on a 2-cpu machine.
    const task = { command: 'while [ ! -f go ]; do sleep 0.05; done; echo went', requirements: { cpu: 0.1, memory: '32 MiB' } };
    const requests = await Promise.all([1, 2, 3].map(() => run.request(batching, task)));
    let started = 0;
    const outcomes = await Promise.all(
      requests.map((request) =>
        run.execute(batching, request, undefined, (event) => {
          if (event.type !== 'started' || ++started < requests.length) return;
          // All three run: from now on every poll answers for the three of them, until they end.
          void Promise.all(requests.map((each) => writeFile(join(each.paths.workDir, 'go'), '')));
        }),
      ),
    );
    expect(outcomes.map(({ result }) => result.exitCode)).toEqual([0, 0, 0]);
    const { polls, widestPoll } = batching.swarm.watcher.stats;
    expect(widestPoll).toBe(3);
    expect(batching.swarm.api.calls.listTasks).toBe(polls);
  });

  it('leaves admission to the swarm: a task that does not fit beside another waits, pending, until it ends', async () => {
    const cpu = Math.round((await backend.capacity()).perTaskMax.cpu * 0.6 * 100) / 100;
    const first = await run.request(backend, { command: 'while [ ! -f go ]; do sleep 0.05; done', requirements: { cpu, memory: '32 MiB' } });
    const second = await run.request(backend, { command: 'echo second ran', requirements: { cpu, memory: '32 MiB' } });
    const warnings: string[] = [];
    let secondRun: Promise<unknown> | undefined;
    const firstRun = run.execute(backend, first, undefined, (event) => {
      if (event.type !== 'started') return;
      secondRun = run.execute(backend, second, undefined, (later) => {
        if (later.type !== 'warning') return;
        warnings.push(later.message);
        void writeFile(join(first.paths.workDir, 'go'), ''); // the second is refused a node: now let the first end
      });
    });
    expect((await firstRun).result.exitCode).toBe(0);
    await secondRun;
    expect(await readFile(second.paths.stdoutFile, 'utf8')).toBe('second ran\n');
    expect(warnings[0]).toMatch(/has not started service .* yet \(task pending\): no suitable node \(insufficient resources/);
  });

  it('gives the nodes’ resources as capacity and lets the swarm admit (schedulesItself)', async () => {
    const capacity = await backend.capacity();
    const nodes = await backend.swarm.api.listNodes();
    expect(nodes.filter((node) => node.schedulable)).toHaveLength(1);
    expect(capacity.perTaskMax).toEqual({ cpu: nodes[0]?.cpus, memory: nodes[0]?.memoryBytes, gpu: 0 });
    expect(capacity.total).toEqual(capacity.perTaskMax);
    expect(backend.capabilities).toMatchObject({ schedulesItself: true, networkIsolation: false });
    const auto = new DockerBackend({ swarm: 'auto' });
    expect(auto.capabilities.schedulesItself).toBe(false); // not known before the first use
    await auto.capacity();
    expect(auto.capabilities.schedulesItself).toBe(true);
    expect((await auto.probe()).details).toMatchObject({ runsAs: 'swarm services' });
    expect(new DockerBackend().capabilities.schedulesItself).toBe(false); // off: a manager runs plain containers too
  });

  it('refuses a work dir outside sharedRoot, and the network none, before creating anything', async () => {
    const shared = join(run.root, 'shared');
    await mkdir(shared);
    const strict = new DockerBackend({ swarm: 'on', sharedRoot: shared });
    const request = await run.request(strict, { command: 'true' });
    const error = await strict.execute(request, new AbortController().signal, () => undefined).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'config.invalid', path: 'docker.sharedRoot', message: expect.stringContaining(`the work dir ${request.paths.workDir} is not under docker.sharedRoot ${shared}`) });
    expect(await run.leftovers(strict)).toEqual([]);
    const isolated = new DockerBackend({ swarm: 'on', network: 'none' });
    const refused = await isolated.execute(await run.request(isolated, { command: 'true' }), new AbortController().signal, () => undefined).catch((caught: unknown) => caught);
    expect(refused).toMatchObject({ code: 'config.invalid', path: 'docker.network' });
    expect(await run.leftovers(isolated)).toEqual([]);
  });
});
