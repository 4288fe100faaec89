import { parseWithSchema } from '@capstan/core-constraints';
import { parsePodmanBackendOptions, podmanBackendOptionsSchema } from './podman-backend-options';

describe('podmanBackendOptionsSchema', () => {
  it('fills every default from {}', () => {
    expect(parsePodmanBackendOptions({})).toEqual({
      pullPolicy: 'if-not-present',
      registries: {},
      network: 'bridge',
      memoryLimit: 'request',
      pidsLimit: 4096,
      graceSeconds: 10,
      livenessIntervalSeconds: 10,
      livenessTimeoutSeconds: 10,
      livenessFailures: 3,
      keepFailedContainers: false,
      user: 'auto',
      userns: 'auto',
      init: true,
      capDrop: ['MKNOD', 'NET_RAW', 'SETFCAP', 'AUDIT_WRITE', 'SYS_CHROOT'],
      logCopy: 'auto',
      logCopyMaxBytes: 16 * 1024 * 1024,
    });
    // Unset is `refuse`, unless auto stands Podman in for Docker (podman-backend.ts).
    expect(parsePodmanBackendOptions(undefined).shortNames).toBeUndefined();
  });

  it('accepts a full configuration', () => {
    const options = {
      socketPath: '/run/user/1000/podman/podman.sock',
      pullPolicy: 'never',
      registries: { '127.0.0.1:5000': { username: 'u', password: 'p' } },
      network: 'slirp4netns',
      memoryLimit: 'none',
      pidsLimit: null,
      graceSeconds: 0,
      livenessIntervalSeconds: 2,
      livenessTimeoutSeconds: 1,
      livenessFailures: 0,
      keepFailedContainers: true,
      logCopy: 'never',
      logCopyMaxBytes: 65536,
      user: '1000:1000',
      userns: 'host',
      shortNames: 'docker.io',
      repairImage: 'localhost/capstan-test/busybox:1',
      init: false,
      capDrop: ['ALL'],
    } as const;
    expect(parsePodmanBackendOptions(options)).toEqual(options);
    expect(podmanBackendOptionsSchema.safeParse({ host: 'tcp://127.0.0.1:8080' }).success).toBe(true);
  });

  it.each([
    [{ userns: 'nomap' }, 'podman.userns', '"nomap" is not one of "auto", "keep-id", "host"'],
    [{ shortNames: 'search' }, 'podman.shortNames', '"search" is not one of "refuse", "docker.io"'],
    [{ user: 'nobody' }, 'podman.user', '"nobody" is not a user; give "auto", "root" or numeric "UID:GID"'],
    [{ pidsLimit: 4 }, 'podman.pidsLimit', '4 processes would stop most shells'],
    [{ host: 'ssh://me@box/run/podman/podman.sock' }, 'podman.host', 'is not a service address; write "unix:///path/to/podman.sock" or "tcp://host:port"'],
    [{ socketPath: 'podman.sock' }, 'podman.socketPath', '"podman.sock" is not an absolute path; give the socket as e.g. "/run/podman/podman.sock"'],
    [{ socketPath: '/a.sock', host: 'unix:///b.sock' }, 'podman.socketPath', 'give either host or socketPath, not both'],
  ])('refuses %j at %s', (value, path, message) => {
    expect(() => parsePodmanBackendOptions(value)).toThrow(expect.objectContaining({ code: 'config.invalid', path, message: expect.stringContaining(message) }));
  });

  it('gives the same precise errors through the zod bridge the config loader uses', () => {
    expect(() => parseWithSchema(podmanBackendOptionsSchema, { network: 'bad net' }, 'podman')).toThrow(
      expect.objectContaining({ path: 'podman.network', message: expect.stringContaining('"bad net" is not a network') }),
    );
  });

  it('names an unknown key', () => {
    expect(() => parsePodmanBackendOptions({ rootless: true })).toThrow(expect.objectContaining({ code: 'config.invalid', message: expect.stringContaining('"rootless"') }));
  });
});
