import { DockerClient } from './docker-client';
import { probeDaemon } from './daemon-probe';

// Against the real daemon of this machine (tools/engines/docker.sh starts it).
describe('DockerClient (real daemon)', () => {
  const client = new DockerClient({}, {});

  it('answers ping, version and info, and probes the machine', async () => {
    await expect(client.ping()).resolves.toBeUndefined();
    const facts = await probeDaemon(client, undefined, () => 4);
    expect(facts.version).toMatch(/^Docker Engine \S+, API 1\.\d+$/);
    expect(facts.cpus).toBeGreaterThan(0);
    expect(facts.memoryBytes).toBeGreaterThan(64 * 1024 * 1024);
    expect(facts.gpus).toBe(facts.nvidiaRuntime ? 4 : 0);
    expect(['inactive', 'active', 'pending', 'error', 'locked']).toContain(facts.swarm);
    expect(facts.endpoint).toBe('unix:///var/run/docker.sock');
  });

  it('inspects a local image and says null for a missing one', async () => {
    await expect(client.inspectImage('capstan-test/busybox:1')).resolves.toMatchObject({ id: expect.stringMatching(/^sha256:/) });
    await expect(client.inspectImage('capstan-test/busybox:no-such-tag')).resolves.toBeNull();
  });

  it('treats stopping and removing a missing container as done', async () => {
    await expect(client.stopContainer('capstan-no-such-container', 0)).resolves.toBeUndefined();
    await expect(client.removeContainer('capstan-no-such-container')).resolves.toBeUndefined();
  });

  it('reports a daemon that does not answer as backend.unavailable, naming the socket and how to start one', async () => {
    const nobody = new DockerClient({ socketPath: '/tmp/capstan-no-daemon.sock' }, {});
    const started = Date.now();
    const error = await nobody.ping().catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'backend.unavailable' });
    expect((error as Error).message).toContain('unix:///tmp/capstan-no-daemon.sock');
    expect((error as Error).message).toContain('dockerd &');
    expect((error as Error).message).toContain('systemctl start docker');
    expect(Date.now() - started).toBeLessThan(1_000); // no retries: it never answered
  });
});
