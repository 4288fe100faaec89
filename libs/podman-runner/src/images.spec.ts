import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PodmanBackend } from './podman-backend';
import { BUSYBOX, localRegistry, PodmanTestRun, ROOTFUL_SOCKET } from './testing/podman-test-kit';
import { forgetLocally, pushTestImage } from './testing/registry-fixture';

jest.setTimeout(60_000);

describe('PodmanBackend images (real rootful service, local registry with auth)', () => {
  const registry = localRegistry();
  const logins = { [registry.registry]: { username: registry.username, password: registry.password } };
  const run = new PodmanTestRun();
  let noCredentials: string;
  let image: string;
  /** A backend that sees no credential files: only those of its options. */
  const backendWith = (options: ConstructorParameters<typeof PodmanBackend>[0] = {}, env: NodeJS.ProcessEnv = {}): PodmanBackend =>
    new PodmanBackend({ socketPath: ROOTFUL_SOCKET, ...options }, { DOCKER_CONFIG: noCredentials, XDG_CONFIG_HOME: noCredentials, ...env });

  beforeAll(async () => {
    noCredentials = await mkdtemp(join(tmpdir(), 'capstan-podman-auth-'));
    image = await pushTestImage(new PodmanBackend({ socketPath: ROOTFUL_SOCKET }).client, registry);
  });
  afterAll(async () => {
    await rm(noCredentials, { recursive: true, force: true });
    const backend = new PodmanBackend({ socketPath: ROOTFUL_SOCKET });
    await forgetLocally(backend.client, image);
    expect(await run.leftovers(backend)).toEqual([]);
  });
  beforeEach(() => run.setUp());
  afterEach(() => run.tearDown());

  it('uses a fully qualified local image without pulling', async () => {
    const backend = backendWith();
    const pull = jest.spyOn(backend.client, 'pullImage');
    const { result, events } = await run.execute(backend, await run.request(backend, { command: 'echo here', requirements: { container: BUSYBOX } }));
    expect(result).toMatchObject({ exitCode: 0, endReason: 'exited' });
    expect(pull).not.toHaveBeenCalled();
    expect(events.filter((event) => event.type === 'warning')).toEqual([]);
  });

  it('refuses a short name, naming its fully qualified forms and the one this Podman has (never Podman’s own guess)', async () => {
    const backend = backendWith();
    const pull = jest.spyOn(backend.client, 'pullImage');
    const error = await run.execute(backend, await run.request(backend, { command: 'true', requirements: { container: 'capstan-test/busybox:1' } })).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'image.unavailable', path: 'requirements.container' });
    const message = (error as Error).message;
    expect(message).toContain('capstan-test/busybox:1: a short name');
    expect(message).toContain('docker.io/capstan-test/busybox:1 (Docker Hub) or localhost/capstan-test/busybox:1');
    expect(message).toContain('this Podman has localhost/capstan-test/busybox:1');
    expect(pull).not.toHaveBeenCalled();
    expect(await run.leftovers(backend)).toEqual([]);
  });

  it('skips a short candidate for a fully qualified one', async () => {
    const backend = backendWith();
    const { result } = await run.execute(backend, await run.request(backend, { command: 'true', requirements: { container: ['busybox:1', BUSYBOX] } }));
    expect(result.exitCode).toBe(0);
  });

  it('qualifies short names as Docker does under shortNames: docker.io, with a warning', async () => {
    const backend = backendWith({ shortNames: 'docker.io', pullPolicy: 'never' });
    // A local tag stands in for Docker Hub (nothing is pulled from outside).
    await backend.client.api.getImage(BUSYBOX).tag({ repo: 'docker.io/library/capstan-short-name', tag: '1' });
    try {
      const warnings: string[] = [];
      const { result } = await run.execute(backend, await run.request(backend, { command: 'true', requirements: { container: 'capstan-short-name:1' } }), undefined, (event) => {
        if (event.type === 'warning') warnings.push(event.message);
      });
      expect(result.exitCode).toBe(0);
      expect(warnings).toEqual(["the short image name capstan-short-name:1 was taken as docker.io/library/capstan-short-name:1 (the podman backend's shortNames is docker.io)"]);
      const error = await run.execute(backend, await run.request(backend, { command: 'true', requirements: { container: 'capstan-test/busybox:1' } })).catch((caught: unknown) => caught);
      expect((error as Error).message).toContain('docker.io/capstan-test/busybox:1: not present locally, and the pull policy is never');
    } finally {
      await forgetLocally(backend.client, 'docker.io/library/capstan-short-name:1');
    }
  });

  it('pulls a missing image with the credentials from the options, with progress events', async () => {
    const backend = backendWith({ registries: logins });
    await forgetLocally(backend.client, image);
    const { result, events } = await run.execute(backend, await run.request(backend, { command: 'echo pulled', requirements: { container: image } }));
    expect(result).toMatchObject({ exitCode: 0, endReason: 'exited' });
    expect(events.find((event) => event.type === 'pulled')).toMatchObject({ image, ms: expect.any(Number) });
    expect(events.findIndex((event) => event.type === 'pulled')).toBeLessThan(events.findIndex((event) => event.type === 'started'));
  });

  it('pulls with the credentials of Podman’s auth.json (REGISTRY_AUTH_FILE)', async () => {
    const authFile = join(noCredentials, 'auth.json');
    await writeFile(authFile, JSON.stringify({ auths: { [registry.registry]: { auth: Buffer.from(`${registry.username}:${registry.password}`).toString('base64') } } }));
    const backend = backendWith({}, { REGISTRY_AUTH_FILE: authFile });
    await forgetLocally(backend.client, image);
    const { result } = await run.execute(backend, await run.request(backend, { command: 'true', requirements: { container: image } }));
    expect(result.exitCode).toBe(0);
  });

  it('fails a pull without credentials with the registry’s reason and `podman login` as a fix', async () => {
    const backend = backendWith();
    await forgetLocally(backend.client, image);
    const error = await run.execute(backend, await run.request(backend, { command: 'true', requirements: { container: image } })).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'image.unavailable' });
    expect((error as Error).message).toMatch(/unauthorized|authentication required/);
    expect((error as Error).message).toContain(`\`podman login ${registry.registry}\``);
  });
});
