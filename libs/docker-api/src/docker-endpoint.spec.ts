import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_DOCKER_SOCKET, resolveDockerEndpoint } from './docker-endpoint';

const OTHER_ENGINE = { hostVariable: 'ENGINE_HOST', defaultSocket: '/run/engine/engine.sock', tlsFromEnvironment: false, hostOptionName: 'the engine host option' };

describe('resolveDockerEndpoint', () => {
  it('uses the default socket when nothing is set', () => {
    expect(resolveDockerEndpoint({}, {})).toEqual({ kind: 'unix', socketPath: DEFAULT_DOCKER_SOCKET, description: 'unix:///var/run/docker.sock' });
  });

  it('reads DOCKER_HOST unix:// and tcp://', () => {
    expect(resolveDockerEndpoint({}, { DOCKER_HOST: 'unix:///run/podman/podman.sock' })).toMatchObject({ kind: 'unix', socketPath: '/run/podman/podman.sock' });
    expect(resolveDockerEndpoint({}, { DOCKER_HOST: 'tcp://127.0.0.1:2375' })).toEqual({
      kind: 'tcp',
      host: '127.0.0.1',
      port: 2375,
      tls: null,
      description: 'tcp://127.0.0.1:2375',
    });
  });

  it('prefers socketPath over host over DOCKER_HOST', () => {
    const env = { DOCKER_HOST: 'tcp://127.0.0.1:2375' };
    expect(resolveDockerEndpoint({ host: 'unix:///a.sock' }, env)).toMatchObject({ socketPath: '/a.sock' });
    expect(resolveDockerEndpoint({ host: 'unix:///a.sock', socketPath: '/b.sock' }, env)).toMatchObject({ socketPath: '/b.sock' });
  });

  it('refuses addresses it cannot use, naming where the value came from', () => {
    expect(() => resolveDockerEndpoint({}, { DOCKER_HOST: 'ssh://me@box' })).toThrow(/DOCKER_HOST is "ssh:\/\/me@box"/);
    expect(() => resolveDockerEndpoint({ host: 'tcp://nohost' }, {})).toThrow(expect.objectContaining({ code: 'config.invalid', path: 'host' }));
  });

  it('uses TLS files from DOCKER_CERT_PATH when DOCKER_TLS_VERIFY is set', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'capstan-tls-'));
    try {
      await Promise.all(['ca.pem', 'cert.pem', 'key.pem'].map((name) => writeFile(join(dir, name), name)));
      const endpoint = resolveDockerEndpoint({}, { DOCKER_HOST: 'tcp://docker.example:2376', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: dir });
      expect(endpoint).toMatchObject({ kind: 'tcp', description: 'https://docker.example:2376' });
      expect(endpoint.kind === 'tcp' && endpoint.tls?.cert.toString()).toBe('cert.pem');
      expect(() => resolveDockerEndpoint({}, { DOCKER_HOST: 'tcp://x:1', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: join(dir, 'none') })).toThrow(/DOCKER_CERT_PATH/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('takes another engine’s variable and default socket, and leaves DOCKER_HOST and TLS to Docker', () => {
    expect(resolveDockerEndpoint({}, { DOCKER_HOST: 'tcp://127.0.0.1:2375' }, OTHER_ENGINE)).toMatchObject({ kind: 'unix', socketPath: '/run/engine/engine.sock' });
    expect(resolveDockerEndpoint({}, { ENGINE_HOST: 'tcp://127.0.0.1:8080', DOCKER_TLS_VERIFY: '1' }, OTHER_ENGINE)).toMatchObject({ kind: 'tcp', tls: null });
    expect(() => resolveDockerEndpoint({}, { ENGINE_HOST: 'ssh://box' }, OTHER_ENGINE)).toThrow(/^ENGINE_HOST is "ssh:\/\/box"; write unix:\/\/\/path\/to\/engine\.sock/);
    expect(() => resolveDockerEndpoint({ host: 'ftp://x' }, {}, OTHER_ENGINE)).toThrow(/^the engine host option is "ftp:\/\/x"/);
  });
});
