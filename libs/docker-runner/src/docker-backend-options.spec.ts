import { parseWithSchema } from '@capstan/core-constraints';
import { dockerBackendOptionsSchema, parseDockerBackendOptions } from './docker-backend-options';

describe('dockerBackendOptionsSchema', () => {
  it('fills every default from {}', () => {
    expect(parseDockerBackendOptions({})).toEqual({
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
      init: true,
      capDrop: ['MKNOD', 'NET_RAW', 'SETFCAP', 'AUDIT_WRITE', 'SYS_CHROOT'],
      logCopy: 'auto',
      logCopyMaxBytes: 16 * 1024 * 1024,
      swarm: 'off',
      swarmPollMs: 500,
      swarmGpuResource: 'NVIDIA-GPU',
      swarmLogDriver: 'json-file',
    });
    expect(parseDockerBackendOptions(undefined).pullPolicy).toBe('if-not-present');
  });

  it('accepts a full configuration', () => {
    const options = {
      socketPath: '/run/docker.sock',
      pullPolicy: 'never',
      registries: { '127.0.0.1:5000': { username: 'u', password: 'p' }, 'registry.example.org': { username: 'v', password: '' } },
      network: 'my-net_1',
      memoryLimit: 'none',
      pidsLimit: null,
      graceSeconds: 0,
      livenessIntervalSeconds: 2,
      livenessTimeoutSeconds: 1,
      livenessFailures: 0,
      keepFailedContainers: true,
      logCopy: 'always',
      logCopyMaxBytes: 1048576,
      user: '1000:1000',
      repairImage: 'alpine:3',
      init: false,
      capDrop: ['ALL'],
      swarm: 'auto',
      swarmPollMs: 250,
      swarmGpuResource: 'gpu',
      swarmLogDriver: 'local',
      sharedRoot: '/shared/capstan',
      hostPathMap: { '/data': '/srv/capstan-data', '/': '/' },
    } as const;
    expect(parseDockerBackendOptions(options)).toEqual(options);
    expect(dockerBackendOptionsSchema.safeParse({ host: 'tcp://127.0.0.1:2375' }).success).toBe(true);
  });

  it.each([
    [{ pullPolicy: 'sometimes' }, 'docker.pullPolicy', '"sometimes" is not one of "if-not-present", "always", "never"'],
    [{ memoryLimit: 'max' }, 'docker.memoryLimit', '"max" is not one of "request", "none"'],
    [{ user: 'nobody' }, 'docker.user', '"nobody" is not a user; give "auto", "root" or numeric "UID:GID" such as "1000:1000"'],
    [{ graceSeconds: 2.5 }, 'docker.graceSeconds', '2.5 is not a whole number'],
    [{ graceSeconds: '10' }, 'docker.graceSeconds', '"10" is not a number'],
    [{ graceSeconds: -1 }, 'docker.graceSeconds', '-1 is below the minimum of 0'],
    [{ logCopy: 'sometimes' }, 'docker.logCopy', '"sometimes" is not one of "auto", "always", "never"'],
    [{ logCopyMaxBytes: 1000 }, 'docker.logCopyMaxBytes', '1000 bytes is below the smallest log copy; give at least 65536 (64 KiB), or logCopy: never for none'],
    [{ livenessIntervalSeconds: 0 }, 'docker.livenessIntervalSeconds', '0 is below the minimum of 1'],
    [{ livenessTimeoutSeconds: 0.5 }, 'docker.livenessTimeoutSeconds', '0.5 is not a whole number'],
    [{ livenessFailures: -1 }, 'docker.livenessFailures', '-1 is below the minimum of 0'],
    [{ pidsLimit: 4 }, 'docker.pidsLimit', '4 processes would stop most shells; give at least 16, or null for no limit'],
    [{ network: 'bad net' }, 'docker.network', '"bad net" is not a network; give "bridge", "none", "host" or a network name (letters, digits, "_", ".", "-")'],
    [{ host: 'ssh://box' }, 'docker.host', '"ssh://box" is not a daemon address; write "unix:///path/to/docker.sock" or "tcp://host:port"'],
    [{ socketPath: 'docker.sock' }, 'docker.socketPath', '"docker.sock" is not an absolute path; give the socket as e.g. "/var/run/docker.sock"'],
    [{ registries: { 'https://r.example/v2': { username: 'u', password: 'p' } } }, 'docker.registries.https://r.example/v2', '"https://r.example/v2" is not a registry host; write a host with an optional port'],
    [{ registries: { 'r.example': { username: 'u' } } }, 'docker.registries.r.example.password', 'a value is required here'],
    [{ registries: { 'r.example': { username: '', password: 'p' } } }, 'docker.registries.r.example.username', '"" is not a user name: it is empty'],
    [{ keepFailedContainers: 'yes' }, 'docker.keepFailedContainers', '"yes" is not true or false'],
    [{ socketPath: '/a.sock', host: 'unix:///b.sock' }, 'docker.socketPath', 'give either host or socketPath, not both (socketPath would win)'],
    [{ capDrop: ['net raw'] }, 'docker.capDrop.0', '"net raw" is not a capability; give a name such as "NET_RAW" (or "CAP_NET_RAW"), or "ALL"'],
    [{ swarm: 'yes' }, 'docker.swarm', '"yes" is not one of "off", "auto", "on"'],
    [{ swarmPollMs: 10 }, 'docker.swarmPollMs', '10 is below the minimum of 50'],
    [{ swarmLogDriver: 'none' }, 'docker.swarmLogDriver', '"none" is not one of "json-file", "local", "journald"'],
    [{ swarmGpuResource: 'NVIDIA GPU' }, 'docker.swarmGpuResource', '"NVIDIA GPU" is not a generic resource name'],
    [{ sharedRoot: 'shared' }, 'docker.sharedRoot', '"shared" is not an absolute path; give the folder every swarm node mounts at the same path'],
    [{ hostPathMap: { '/data': '../srv' } }, 'docker.hostPathMap./data', '"../srv" is not an absolute path; give the folder as the daemon\'s host sees it'],
    [{ hostPathMap: { data: '/srv' } }, 'docker.hostPathMap.data', 'is not an absolute path; give the folder as Capstan sees it'],
  ])('refuses %j at %s', (value, path, message) => {
    expect(() => parseDockerBackendOptions(value)).toThrow(expect.objectContaining({ code: 'config.invalid', path, message: expect.stringContaining(message) }));
  });

  it('gives the same precise errors through the zod bridge the config loader uses', () => {
    expect(() => parseWithSchema(dockerBackendOptionsSchema, { user: 'nobody' }, 'docker')).toThrow(
      expect.objectContaining({ path: 'docker.user', message: expect.stringContaining('"nobody" is not a user') }),
    );
  });

  it('names an unknown key', () => {
    expect(() => parseDockerBackendOptions({ pulPolicy: 'never' })).toThrow(expect.objectContaining({ code: 'config.invalid', message: expect.stringContaining('"pulPolicy"') }));
  });
});
