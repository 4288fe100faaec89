import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DockerBackend } from './docker-backend';
import { BUSYBOX, DockerTestRun, localRegistry } from './testing/docker-test-kit';
import { forgetLocally, pushTestImage } from './testing/registry-fixture';

jest.setTimeout(60_000);

describe('DockerBackend images (real daemon, local registry with auth)', () => {
  const registry = localRegistry();
  const logins = { [registry.registry]: { username: registry.username, password: registry.password } };
  const missing = `${registry.registry}/capstan/no-such-image:1`;
  const run = new DockerTestRun();
  let emptyDockerConfig: string;
  let image: string;
  /** A backend that sees no ~/.docker/config.json: credentials only from its options. */
  const backendWith = (options: ConstructorParameters<typeof DockerBackend>[0] = {}, env: NodeJS.ProcessEnv = { DOCKER_CONFIG: emptyDockerConfig }): DockerBackend =>
    new DockerBackend(options, env);

  beforeAll(async () => {
    emptyDockerConfig = await mkdtemp(join(tmpdir(), 'capstan-docker-config-'));
    image = await pushTestImage(new DockerBackend().client, registry);
  });
  afterAll(async () => {
    await rm(emptyDockerConfig, { recursive: true, force: true });
    const backend = new DockerBackend();
    await forgetLocally(backend.client, image); // the registry keeps the tag; the daemon gets no new one
    expect(await run.leftovers(backend)).toEqual([]);
  });
  beforeEach(() => run.setUp());
  afterEach(() => run.tearDown());

  it('pulls a missing image with the credentials from the options, reporting progress and the pull time', async () => {
    const backend = backendWith({ registries: logins });
    await forgetLocally(backend.client, image);
    const { result, events } = await run.execute(backend, await run.request(backend, { command: 'echo pulled', requirements: { container: image } }));
    expect(result).toMatchObject({ exitCode: 0, endReason: 'exited' });
    const pulling = events.filter((event) => event.type === 'pulling');
    expect(pulling.length).toBeGreaterThan(0);
    expect(pulling.at(-1)).toMatchObject({ image, bytesDone: expect.any(Number) });
    expect(events.find((event) => event.type === 'pulled')).toMatchObject({ image, ms: expect.any(Number) });
    expect(events.findIndex((event) => event.type === 'pulled')).toBeLessThan(events.findIndex((event) => event.type === 'started'));
    expect(await backend.client.inspectImage(image)).not.toBeNull();
  });

  it('pulls with the credentials of $DOCKER_CONFIG/config.json', async () => {
    const configDir = await mkdtemp(join(tmpdir(), 'capstan-docker-config-'));
    try {
      const auth = Buffer.from(`${registry.username}:${registry.password}`).toString('base64');
      await writeFile(join(configDir, 'config.json'), JSON.stringify({ auths: { [`http://${registry.registry}`]: { auth } } }));
      const backend = backendWith({}, { DOCKER_CONFIG: configDir });
      await forgetLocally(backend.client, image);
      const { result } = await run.execute(backend, await run.request(backend, { command: 'true', requirements: { container: image } }));
      expect(result.exitCode).toBe(0);
    } finally {
      await rm(configDir, { recursive: true, force: true });
    }
  });

  it('fails a pull without credentials with the registry’s reason and the fix', async () => {
    const backend = backendWith();
    await forgetLocally(backend.client, image);
    const error = await run.execute(backend, await run.request(backend, { command: 'true', requirements: { container: image } })).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'image.unavailable', path: 'requirements.container' });
    expect((error as Error).message).toContain(`${image}: the pull failed`);
    expect((error as Error).message).toMatch(/no basic auth credentials|unauthorized/);
    expect((error as Error).message).toContain(`no credentials are configured for ${registry.registry}`);
  });

  it('never pulls under pull policy never', async () => {
    const backend = backendWith({ pullPolicy: 'never', registries: logins });
    await forgetLocally(backend.client, image);
    const pull = jest.spyOn(backend.client, 'pullImage');
    const error = await run.execute(backend, await run.request(backend, { command: 'true', requirements: { container: image } })).catch((caught: unknown) => caught);
    expect((error as Error).message).toContain(`${image}: not present locally, and the pull policy is never`);
    expect(pull).not.toHaveBeenCalled();
    const { result } = await run.execute(backend, await run.request(backend, { command: 'true', requirements: { container: BUSYBOX } }));
    expect(result.exitCode).toBe(0);
  });

  it('pulls again under pull policy always, even when the image is local', async () => {
    const backend = backendWith({ pullPolicy: 'always', registries: logins });
    const pull = jest.spyOn(backend.client, 'pullImage');
    await run.execute(backend, await run.request(backend, { command: 'true', requirements: { container: image } }));
    await run.execute(backend, await run.request(backend, { command: 'true', requirements: { container: image } }));
    expect(pull).toHaveBeenCalledTimes(2);
  });

  it('uses the next candidate when one cannot be pulled, and lists every candidate with its reason when none can', async () => {
    const backend = backendWith({ registries: logins });
    const { result } = await run.execute(backend, await run.request(backend, { command: 'true', requirements: { container: [missing, BUSYBOX] } }));
    expect(result.exitCode).toBe(0);
    const other = `${registry.registry}/capstan/no-such-image:2`;
    const error = await run.execute(backend, await run.request(backend, { command: 'true', requirements: { container: [missing, other] } })).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'image.unavailable' });
    const lines = (error as Error).message.split('\n');
    expect(lines[0]).toBe("none of the task's 2 container images can be used (pull policy if-not-present):");
    expect(lines[1]).toMatch(new RegExp(`^  - ${missing.replace(/[.:/]/g, '\\$&')}: the pull failed: .*(not found|manifest unknown)`));
    expect(lines[2]).toMatch(/no-such-image:2: the pull failed: .*(not found|manifest unknown)/);
  });

  it('makes concurrent tasks needing the same missing image share one pull', async () => {
    const backend = backendWith({ registries: logins });
    await forgetLocally(backend.client, image);
    const pull = jest.spyOn(backend.client, 'pullImage');
    const requests = await Promise.all([1, 2, 3].map(() => run.request(backend, { command: 'echo ok', requirements: { container: image } })));
    const outcomes = await Promise.all(requests.map((request) => run.execute(backend, request)));
    expect(pull).toHaveBeenCalledTimes(1);
    // Each task that waited for the pull says so once; one that looked after the pull had finished (a loaded machine
    // can stagger the three) found the image and pulled nothing.
    let waited = 0;
    for (const { result, events } of outcomes) {
      expect(result.exitCode).toBe(0);
      const pulled = events.filter((event) => event.type === 'pulled').length;
      expect(pulled).toBeLessThanOrEqual(1);
      waited += pulled;
    }
    expect(waited).toBeGreaterThanOrEqual(1);
  });
});
