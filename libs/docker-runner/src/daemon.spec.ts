import { DockerBackend } from './docker-backend';
import { DockerTestRun } from './testing/docker-test-kit';

jest.setTimeout(30_000);

describe('DockerBackend and its daemon (real daemon)', () => {
  const run = new DockerTestRun();
  beforeEach(() => run.setUp());
  afterEach(() => run.tearDown());

  it('probes the daemon: version, cpus, memory, GPUs, swarm state', async () => {
    const probe = await new DockerBackend().probe();
    expect(probe).toMatchObject({ available: true, problems: [], version: expect.stringMatching(/^Docker Engine .*, API 1\.\d+$/) });
    expect(probe.details).toMatchObject({ endpoint: 'unix:///var/run/docker.sock', cpus: expect.any(Number), gpus: 0, swarm: expect.any(String) });
  });

  it('gives the daemon’s cpus and memory as its capacity, and the GPUs it finds', async () => {
    const capacity = await new DockerBackend().capacity();
    expect(capacity.total.cpu).toBeGreaterThan(0);
    expect(capacity.total.memory).toBeGreaterThan(256 * 1024 * 1024);
    expect(capacity.total.gpu).toBe(0);
    expect(capacity.perTaskMax).toEqual(capacity.total);
    expect(capacity.containerKinds).toEqual(['docker']);
  });

  it('says what it enforces', () => {
    expect(new DockerBackend().capabilities).toEqual({
      containerKinds: ['docker'],
      runsContainers: true,
      enforcesMemoryLimit: true,
      enforcesCpuLimit: true,
      gpus: true,
      readOnlyInputs: true,
      networkIsolation: true,
      runsAsInvokingUser: true,
      enforcesDiskSize: false,
      schedulesItself: false,
      usage: 'sampled',
    });
  });

  describe('when no daemon answers', () => {
    const down = new DockerBackend({ socketPath: '/tmp/nothing.sock' });
    const expected = { code: 'backend.unavailable', message: expect.stringContaining('unix:///tmp/nothing.sock') };

    it('rejects capacity and execute with the typed error naming the socket and how to start a daemon', async () => {
      await expect(down.capacity()).rejects.toMatchObject(expected);
      const request = await run.request(new DockerBackend(), { command: 'true' });
      const error = await down.execute(request, new AbortController().signal, () => undefined).catch((caught: unknown) => caught);
      expect(error).toMatchObject(expected);
      expect((error as Error).message).toMatch(/dockerd &.*systemctl start docker.*tools\/engines\/docker\.sh/);
    });

    it('reports itself unavailable from probe, with the problem', async () => {
      const probe = await down.probe();
      expect(probe.available).toBe(false);
      expect(probe.problems[0]).toContain('/tmp/nothing.sock');
    });

    it('rejects listManaged the same way', async () => {
      await expect(down.listManaged({ 'io.capstan.run-id': run.runId })).rejects.toMatchObject(expected);
    });
  });

  it('refuses invalid options with the field named', () => {
    expect(() => new DockerBackend({ graceSeconds: -1 })).toThrow(expect.objectContaining({ code: 'config.invalid', path: 'docker.graceSeconds' }));
  });
});
