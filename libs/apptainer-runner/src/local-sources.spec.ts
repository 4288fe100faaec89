import { type BackendEvent, parseContainerSource } from '@capstan/core-constraints';
import { execFile } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ApptainerBackend } from './apptainer-backend';
import { parseApptainerBackendOptions } from './apptainer-backend-options';
import { toRemoteImage } from './image-reference';
import { localStoreName } from './local-sources';
import { resolveConstraints, parseTask } from '@capstan/core-constraints';
import { makeRequest, makeTempDir, removeDir, run, uniqueId } from './testing/test-kit';

const exec = promisify(execFile);
const DOCKER_BUSYBOX = 'capstan-test/busybox:1';
const PODMAN_BUSYBOX = 'localhost/capstan-test/busybox:1';
const PODMAN_BASH = 'localhost/capstan-test/bash:1';
/** Tags this file adds to the real stores, removed at the end (named after the branch, so no one else's cleanup collides). */
const added: Array<{ engine: 'docker' | 'podman'; name: string }> = [];

async function tag(engine: 'docker' | 'podman', from: string, name: string): Promise<void> {
  await exec(engine, ['tag', from, name]);
  added.push({ engine, name });
}

function remote(reference: string): ReturnType<typeof toRemoteImage> {
  return toRemoteImage(parseContainerSource(reference));
}

const pulled = (events: BackendEvent[]): Extract<BackendEvent, { type: 'pulled' }> | undefined =>
  events.find((event): event is Extract<BackendEvent, { type: 'pulled' }> => event.type === 'pulled');
const warnings = (events: BackendEvent[]): string[] => events.flatMap((event) => (event.type === 'warning' ? [event.message] : []));

describe('local store names (pure)', () => {
  it('names a docker image in its fully qualified Docker form', () => {
    expect(localStoreName(remote('capstan-test/busybox:1'))).toBe('docker.io/capstan-test/busybox:1');
    expect(localStoreName(remote('busybox'))).toBe('docker.io/library/busybox:latest');
    expect(localStoreName(remote('localhost/cli-portable/x:2'))).toBe('localhost/cli-portable/x:2');
    expect(localStoreName(remote('127.0.0.1:5000/capstan/busybox:1'))).toBe('127.0.0.1:5000/capstan/busybox:1');
  });

  it('takes nothing from a local store for a digest, a non-docker image, or a reference that is not one', () => {
    expect(localStoreName(remote(`busybox@sha256:${'a'.repeat(64)}`))).toBeNull();
    expect(localStoreName(remote('oras://127.0.0.1:5000/capstan/busybox-sif:1'))).toBeNull();
    // Hostile spellings that would be options, words or substitutions on a command line never get a store name.
    for (const hostile of ['--output=/etc/passwd', '-rf', 'a b:1', 'x:$(id)', 'x:`id`', 'x\n--url=tcp://10.0.0.1', 'docker.io/UPPER/case:1', 'x:1;rm -rf /', `${'a'.repeat(300)}:1`]) {
      const image = { kind: 'docker' as const, uri: `docker://${hostile}`, normalised: `docker://${hostile}`, registry: 'docker.io', key: 'k' };
      expect(localStoreName(image)).toBeNull();
    }
  });

  it('refuses a source named twice and a Docker address that is not one, naming the field', () => {
    const refusal = (value: unknown): unknown => {
      try {
        parseApptainerBackendOptions(value);
      } catch (error) {
        return error;
      }
      throw new Error('accepted');
    };
    expect(refusal({ localSources: ['docker', 'docker'] })).toMatchObject({ code: 'config.invalid', path: 'apptainer.localSources', message: expect.stringContaining('names a source twice') });
    expect(refusal({ localSources: ['containerd'] })).toMatchObject({ code: 'config.invalid', path: 'apptainer.localSources.0' });
    expect(refusal({ dockerHost: '/var/run/docker.sock' })).toMatchObject({ code: 'config.invalid', path: 'apptainer.dockerHost', message: expect.stringContaining('unix://') });
    expect(parseApptainerBackendOptions({}).localSources).toEqual(['docker', 'podman']);
  });
});

/** The conversion's clean-up runs on after a canceled attempt has returned. */
async function emptied(folder: string): Promise<string[]> {
  const deadline = Date.now() + 10_000;
  let names = await readdir(folder);
  while (names.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    names = await readdir(folder);
  }
  return names;
}

describe('local stores before the registry (real docker, podman and apptainer)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await makeTempDir('local');
  });
  afterAll(async () => {
    for (const { engine, name } of added) await exec(engine, ['rmi', name]).catch(() => undefined);
    await removeDir(dir);
  });

  it('converts an image only the Docker store has (docker-daemon:), says so, and then runs from the cache', async () => {
    const image = `cli-portable/docker-only:${uniqueId('d')}`;
    await tag('docker', DOCKER_BUSYBOX, image);
    const cacheDir = join(dir, uniqueId('c'));
    const backend = new ApptainerBackend({ cacheDir });
    const first = await run(backend, await makeRequest(backend, dir, { command: 'echo from-docker', requirements: { container: image } }));
    expect(first.stdout).toBe('from-docker\n');
    expect(pulled(first.events)?.source).toBe(`the local Docker store (docker-daemon:docker.io/${image})`);
    expect(warnings(first.events)).toEqual([]);
    expect(await readdir(cacheDir)).toContain(`${remote(image).key}.sif`);
    expect(await readdir(join(cacheDir, '.tmp'))).toEqual([]);
    const second = await run(backend, await makeRequest(backend, dir, { command: 'echo cached', requirements: { container: image } }));
    expect(second.stdout).toBe('cached\n');
    expect(pulled(second.events)).toBeUndefined();
  });

  it('converts an image only the Podman store has (podman save, docker-archive:)', async () => {
    const image = `localhost/cli-portable/podman-only:${uniqueId('p')}`;
    await tag('podman', PODMAN_BUSYBOX, image);
    const backend = new ApptainerBackend({ cacheDir: join(dir, uniqueId('c')) });
    const { stdout, events } = await run(backend, await makeRequest(backend, dir, { command: 'echo from-podman', requirements: { container: image } }));
    expect(stdout).toBe('from-podman\n');
    expect(pulled(events)?.source).toBe(`the local Podman store (podman save ${image})`);
    // Docker has not got it: passed over without a word.
    expect(warnings(events)).toEqual([]);
  });

  it('tries the stores in the configured order', async () => {
    // The same name in both stores, with different content: busybox in Docker's, the image with bash in Podman's.
    const image = `docker.io/cli-portable/both:${uniqueId('o')}`;
    await tag('docker', DOCKER_BUSYBOX, image);
    await tag('podman', PODMAN_BASH, image);
    const command = 'test -e /bin/bash && echo bash || echo busybox';
    const dockerFirst = new ApptainerBackend({ cacheDir: join(dir, uniqueId('c')) });
    expect((await run(dockerFirst, await makeRequest(dockerFirst, dir, { command, requirements: { container: image } }))).stdout).toBe('busybox\n');
    const podmanFirst = new ApptainerBackend({ cacheDir: join(dir, uniqueId('c')), localSources: ['podman', 'docker'] });
    expect((await run(podmanFirst, await makeRequest(podmanFirst, dir, { command, requirements: { container: image } }))).stdout).toBe('bash\n');
  });

  it('falls through a Docker daemon that is down to the Podman store, with a warning', async () => {
    const image = `docker.io/cli-portable/down:${uniqueId('f')}`;
    await tag('docker', DOCKER_BUSYBOX, image);
    await tag('podman', PODMAN_BASH, image);
    const backend = new ApptainerBackend({ cacheDir: join(dir, uniqueId('c')), dockerHost: `unix://${join(dir, 'cli-portable-no-daemon.sock')}` });
    const { stdout, events } = await run(backend, await makeRequest(backend, dir, { command: 'test -e /bin/bash && echo podman', requirements: { container: image } }));
    expect(stdout).toBe('podman\n');
    expect(warnings(events)).toEqual([expect.stringMatching(/^the local docker store could not be asked for docker\.io\/cli-portable\/down:.*Cannot connect to the Docker daemon.*trying the next source$/)]);
    expect(pulled(events)?.source).toMatch(/^the local Podman store/);
  });

  it('asks no local store when none is configured, and none for a name it cannot take', async () => {
    const image = `cli-portable/registry-only:${uniqueId('r')}`;
    await tag('docker', DOCKER_BUSYBOX, image);
    const cacheDir = join(dir, uniqueId('c'));
    const backend = new ApptainerBackend({ cacheDir, localSources: [] });
    const request = await makeRequest(backend, dir, { command: 'true', requirements: { container: image } });
    await expect(backend.execute(request, new AbortController().signal, () => undefined)).rejects.toMatchObject({
      code: 'image.unavailable',
      message: expect.stringMatching(new RegExp(`${image}: apptainer pull failed`)),
    });
    expect((await readdir(cacheDir)).filter((name) => name.endsWith('.sif'))).toEqual([]);
  });

  it('never leaves a half-made SIF when a conversion from a local store is stopped midway', async () => {
    const image = `localhost/cli-portable/stopped:${uniqueId('k')}`;
    await tag('podman', PODMAN_BASH, image);
    const cacheDir = join(dir, uniqueId('c'));
    const backend = new ApptainerBackend({ cacheDir });
    const controller = new AbortController();
    const request = await makeRequest(backend, dir, { command: 'echo never', requirements: { container: image } });
    // Stopped while apptainer and podman work on it (podman's save and the build take about half a second here).
    const stopped = backend.execute(request, controller.signal, (event) => event.type === 'pulling' && setTimeout(() => controller.abort(), 150));
    expect((await stopped).endReason).toBe('canceled');
    expect((await readdir(cacheDir)).filter((name) => name.endsWith('.sif'))).toEqual([]);
    expect(await emptied(join(cacheDir, '.tmp'))).toEqual([]);
    // The next attempt converts afresh and runs.
    const again = await run(backend, await makeRequest(backend, dir, { command: 'echo whole', requirements: { container: image } }));
    expect(again.stdout).toBe('whole\n');
  });

  it('says in the plan where each image would come from, converting nothing', async () => {
    const dockerOnly = `cli-portable/plan-docker:${uniqueId('pd')}`;
    const podmanOnly = `localhost/cli-portable/plan-podman:${uniqueId('pp')}`;
    await tag('docker', DOCKER_BUSYBOX, dockerOnly);
    await tag('podman', PODMAN_BUSYBOX, podmanOnly);
    const cacheDir = join(dir, uniqueId('c'));
    const plan = async (backend: ApptainerBackend, ...containers: string[]): Promise<readonly string[]> => {
      const task = parseTask({ name: 'p', command: 'true', requirements: { container: containers } });
      return backend.describeImages(resolveConstraints(task.requirements, task.hints, await backend.capacity(), { backendName: 'apptainer' }).constraints);
    };
    const backend = new ApptainerBackend({ cacheDir });
    expect(await plan(backend, dockerOnly)).toEqual([`${dockerOnly}: would be converted from the local Docker store (docker-daemon:docker.io/${dockerOnly})`]);
    expect(await plan(backend, podmanOnly)).toEqual([`${podmanOnly}: would be converted from the local Podman store (podman save ${podmanOnly})`]);
    // A missing .sif is passed over; the first usable candidate ends the list.
    expect(await plan(backend, join(dir, 'none.sif'), podmanOnly, dockerOnly)).toEqual([`${join(dir, 'none.sif')}: no SIF file at ${join(dir, 'none.sif')}, passed over`, `${podmanOnly}: would be converted from the local Podman store (podman save ${podmanOnly})`]);
    expect(await readdir(cacheDir).catch(() => [])).toEqual([]);
    await run(backend, await makeRequest(backend, dir, { command: 'true', requirements: { container: dockerOnly } }));
    expect(await plan(backend, dockerOnly)).toEqual([`${dockerOnly}: in the SIF cache (${join(cacheDir, `${remote(dockerOnly).key}.sif`)})`]);
    // Docker down: the registry it is, and the plan says why the Docker store was not asked.
    const down = new ApptainerBackend({ cacheDir: join(dir, uniqueId('c')), dockerHost: `unix://${join(dir, 'cli-portable-no-daemon.sock')}`, localSources: ['docker'] });
    expect(await plan(down, dockerOnly)).toEqual([expect.stringMatching(/: would be converted from its registry \(the local docker store could not be asked: the Docker daemon at unix:\/\/.*cli-portable-no-daemon\.sock: connect ENOENT/)]);
    expect(await plan(new ApptainerBackend({ cacheDir, localSources: [] }), `cli-portable/not-cached:${uniqueId('n')}`)).toEqual([expect.stringMatching(/: would be converted from its registry$/)]);
  });
});
