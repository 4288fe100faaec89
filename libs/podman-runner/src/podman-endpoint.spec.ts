import { resolveDockerEndpoint } from '@capstan/docker-api/internal';
import { podmanEndpointDefaults, ROOTFUL_PODMAN_SOCKET, rootlessPodmanSocket } from './podman-endpoint';

describe('the podman service address', () => {
  const resolve = (env: NodeJS.ProcessEnv, uid: number, options = {}): ReturnType<typeof resolveDockerEndpoint> =>
    resolveDockerEndpoint(options, env, podmanEndpointDefaults(env, uid));

  it('is the rootful socket for root and the user’s rootless socket for anyone else', () => {
    expect(resolve({}, 0)).toMatchObject({ kind: 'unix', socketPath: ROOTFUL_PODMAN_SOCKET });
    expect(resolve({ XDG_RUNTIME_DIR: '/run/user/1500' }, 1500)).toMatchObject({ socketPath: '/run/user/1500/podman/podman.sock' });
    expect(resolve({}, 1500)).toMatchObject({ socketPath: '/run/user/1500/podman/podman.sock' });
    expect(rootlessPodmanSocket({ XDG_RUNTIME_DIR: '/tmp/xdg/' }, 7)).toBe('/tmp/xdg/podman/podman.sock');
  });

  it('comes from CONTAINER_HOST, never from DOCKER_HOST', () => {
    expect(resolve({ CONTAINER_HOST: 'unix:///srv/podman.sock', DOCKER_HOST: 'unix:///var/run/docker.sock' }, 0)).toMatchObject({ socketPath: '/srv/podman.sock' });
    expect(resolve({ DOCKER_HOST: 'unix:///var/run/docker.sock' }, 0)).toMatchObject({ socketPath: ROOTFUL_PODMAN_SOCKET });
    expect(resolve({ CONTAINER_HOST: 'unix:///srv/podman.sock' }, 0, { socketPath: '/other.sock' })).toMatchObject({ socketPath: '/other.sock' });
  });

  it('speaks plain tcp (Podman’s service has no TLS), whatever DOCKER_TLS_VERIFY says', () => {
    expect(resolve({ CONTAINER_HOST: 'tcp://127.0.0.1:8888', DOCKER_TLS_VERIFY: '1' }, 0)).toEqual({
      kind: 'tcp',
      host: '127.0.0.1',
      port: 8888,
      tls: null,
      description: 'tcp://127.0.0.1:8888',
    });
  });

  it('refuses an address it cannot use, naming CONTAINER_HOST', () => {
    expect(() => resolve({ CONTAINER_HOST: 'ssh://me@box/run/podman/podman.sock' }, 0)).toThrow(
      expect.objectContaining({ code: 'config.invalid', message: expect.stringMatching(/^CONTAINER_HOST is "ssh:.*write unix:\/\/\/path\/to\/podman\.sock or tcp:\/\/host:port/) }),
    );
  });
});
