import { container as rootContainer } from 'tsyringe';
import { Backend, BackendRegistry } from '@capstan/core-constraints';
import { apptainerBackendOptionsSchema, parseApptainerBackendOptions } from './apptainer-backend-options';
import { ApptainerBackend } from './apptainer-backend';
import { registerApptainerBackend } from './register-apptainer-backend';

describe('apptainerBackendOptionsSchema', () => {
  it('fills every default from {}', () => {
    expect(parseApptainerBackendOptions({})).toEqual({
      binary: 'apptainer',
      pullPolicy: 'if-not-present',
      pullTimeoutSeconds: 1800,
      registries: {},
      insecureRegistries: [],
      network: 'host',
      memoryLimit: 'request',
      cgroups: 'auto',
      cgroupParent: 'capstan',
      spares: 4,
      noPrivs: true,
      dropCaps: [],
      extraArgs: [],
      extraPullArgs: [],
      localSources: ['docker', 'podman'],
      podmanBinary: 'podman',
      passEnv: ['PATH', 'HOME', 'USER', 'LOGNAME', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR', 'XDG_RUNTIME_DIR'],
      graceSeconds: 10,
    });
    expect(parseApptainerBackendOptions(undefined).binary).toBe('apptainer');
  });

  it('accepts a full configuration', () => {
    const options = {
      binary: '/opt/singularity/bin/singularity',
      cacheDir: '/var/cache/capstan/sif',
      pullPolicy: 'always',
      pullTimeoutSeconds: 60,
      registries: { '127.0.0.1:5000': { username: 'u', password: 'p' } },
      insecureRegistries: ['registry.lan:5000'],
      network: 'none',
      memoryLimit: 'none',
      cgroups: 'off',
      cgroupParent: 'user/capstan',
      spares: 0,
      noPrivs: false,
      dropCaps: ['CAP_SYS_RESOURCE'],
      extraArgs: ['--writable-tmpfs'],
      extraPullArgs: ['--arch', 'amd64'],
      localSources: ['podman'],
      dockerHost: 'tcp://127.0.0.1:2375',
      podmanUrl: 'unix:///run/podman/podman.sock',
      podmanBinary: '/usr/bin/podman',
      passEnv: ['PATH'],
      graceSeconds: 0.5,
    } as const;
    expect(parseApptainerBackendOptions(options)).toEqual(options);
    expect(apptainerBackendOptionsSchema.safeParse({ cacheDir: '/x' }).success).toBe(true);
  });

  it.each([
    [{ pullPolicy: 'sometimes' }, 'apptainer.pullPolicy', 'is not one of "if-not-present", "always", "never"'],
    [{ cacheDir: 'relative/cache' }, 'apptainer.cacheDir', '"relative/cache" is not an absolute path'],
    [{ cgroupParent: '../escape' }, 'apptainer.cgroupParent', 'is not a relative cgroup folder'],
    [{ dropCaps: ['SYS_RESOURCE'] }, 'apptainer.dropCaps.0', 'is not a capability name'],
    [{ registries: { 'bad host/x': { username: 'u', password: 'p' } } }, 'apptainer.registries.bad host/x', 'is not a registry host'],
    [{ extraArgs: [''] }, 'apptainer.extraArgs.0', 'is not a command-line argument'],
    [{ podmanUrl: '/run/podman/podman.sock' }, 'apptainer.podmanUrl', 'is not a Podman address'],
    [{ podmanBinary: '--url=tcp://127.0.0.1:1' }, 'apptainer.podmanBinary', 'is not a program name or path'],
    [{ network: 'bridge' }, 'apptainer.network', 'is not one of "host", "none"'],
    [{ spares: 1.5 }, 'apptainer.spares', 'is not a whole number'],
    [{ binary: '' }, 'apptainer.binary', 'is not a program name or path'],
    [{ unknown: 1 }, 'apptainer', 'unknown'],
  ])('refuses %j at %s', (value, path, message) => {
    let error: unknown;
    try {
      parseApptainerBackendOptions(value);
    } catch (caught) {
      error = caught;
    }
    expect(error).toMatchObject({ code: 'config.invalid', path: expect.stringContaining(path) });
    expect((error as Error).message).toContain(message);
  });
});

describe('registerApptainerBackend', () => {
  it('registers under the one backend token, named apptainer, with honest capabilities', () => {
    const container = rootContainer.createChildContainer();
    registerApptainerBackend(container, { network: 'none' });
    const backend = BackendRegistry.fromContainer(container).get('apptainer');
    expect(backend).toBeInstanceOf(ApptainerBackend);
    expect(container.resolveAll(Backend)).toHaveLength(1);
    expect(backend.capabilities).toMatchObject({ containerKinds: ['docker', 'library', 'oras', 'sif'], runsContainers: true, runsAsInvokingUser: true, readOnlyInputs: true, networkIsolation: true, enforcesDiskSize: false, schedulesItself: false });
  });

  it('validates the options at registration', () => {
    expect(() => registerApptainerBackend(rootContainer.createChildContainer(), { graceSeconds: -1 })).toThrow(expect.objectContaining({ code: 'config.invalid', path: 'apptainer.graceSeconds' }));
  });
});
