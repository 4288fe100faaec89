import { container, type DependencyContainer } from 'tsyringe';
import { type BackendCapacity } from '../constraints/constraints';
import { CapstanError } from '../errors/capstan-error';
import { Backend, type BackendCapabilities, type ExecutionResult } from './backend';
import { BackendRegistry, registerBackend } from './backend-registry';

function capstanErrorOf(run: () => unknown): CapstanError {
  try {
    run();
  } catch (error) {
    if (error instanceof CapstanError) return error;
    throw error;
  }
  throw new Error('expected a CapstanError, but nothing was thrown');
}

const CAPABILITIES: BackendCapabilities = {
  containerKinds: ['docker'],
  runsContainers: true,
  enforcesMemoryLimit: true,
  enforcesCpuLimit: true,
  gpus: false,
  readOnlyInputs: true,
  networkIsolation: false,
  runsAsInvokingUser: false,
  enforcesDiskSize: false,
  schedulesItself: false,
};

class FakeBackend implements Backend {
  readonly capabilities = CAPABILITIES;
  constructor(readonly name: string) {}
  async probe() {
    return { available: true, problems: [], details: {} };
  }
  async capacity(): Promise<BackendCapacity> {
    const amounts = { cpu: 1, memory: 1, gpu: 0 };
    return { total: amounts, perTaskMax: amounts, fpga: 0, containerKinds: ['docker'] };
  }
  async execute(): Promise<ExecutionResult> {
    const now = new Date();
    return { exitCode: 0, endReason: 'exited', startedAt: now, endedAt: now };
  }
}

describe('Backend token', () => {
  it('is one global symbol, so that every library registers under the same token', () => {
    expect(Backend).toBe(Symbol.for('capstan.Backend'));
  });
});

describe('BackendRegistry', () => {
  it('selects backends by name and lists the names in order', () => {
    const docker = new FakeBackend('docker');
    const local = new FakeBackend('local');
    const registry = new BackendRegistry([docker, local]);
    expect(registry.names).toEqual(['docker', 'local']);
    expect(registry.get('docker')).toBe(docker);
    expect(registry.get('local')).toBe(local);
  });

  it('rejects two backends of one name', () => {
    const error = capstanErrorOf(() => new BackendRegistry([new FakeBackend('docker'), new FakeBackend('local'), new FakeBackend('docker')]));
    expect(error.code).toBe('backend.duplicate');
    expect(error.message).toContain('two backends are registered under the name "docker"');
    expect(error.details).toEqual({ value: 'docker' });
  });

  it.each<[string, string[], string]>([
    ['an unknown name', ['docker', 'local'], 'known backends: docker, local'],
    ['a name of different case', ['docker'], 'known backends: docker'],
    ['any name when none are registered', [], 'known backends: (none registered)'],
  ])('rejects %s, listing the known names', (_label, names, listed) => {
    const registry = new BackendRegistry(names.map((name) => new FakeBackend(name)));
    const wanted = names.length === 1 ? 'Docker' : 'slurm';
    const error = capstanErrorOf(() => registry.get(wanted));
    expect(error.code).toBe('backend.unknown');
    expect(error.path).toBe('backend');
    expect(error.message).toBe(`there is no backend named "${wanted}"; ${listed}`);
    expect(error.details).toEqual({ value: wanted, known: names });
  });

  describe('with a tsyringe container', () => {
    let child: DependencyContainer;

    beforeEach(() => {
      child = container.createChildContainer();
    });

    afterEach(() => {
      child.clearInstances();
    });

    it('finds every backend registered under the one token', () => {
      registerBackend(child, () => new FakeBackend('docker'));
      registerBackend(child, () => new FakeBackend('local'));
      const registry = BackendRegistry.fromContainer(child);
      expect(registry.names).toEqual(['docker', 'local']);
      expect(registry.get('local')).toBeInstanceOf(FakeBackend);
      expect(registry.get('local').name).toBe('local');
    });

    it('gives the factory the container, for the backend to resolve what it needs', () => {
      const SETTING = Symbol('setting');
      child.register(SETTING, { useValue: 'from-the-container' });
      registerBackend(child, (resolver) => new FakeBackend(resolver.resolve<string>(SETTING)));
      expect(BackendRegistry.fromContainer(child).names).toEqual(['from-the-container']);
    });

    it('finds backends registered in a parent container', () => {
      registerBackend(child, () => new FakeBackend('docker'));
      const grandchild = child.createChildContainer();
      expect(BackendRegistry.fromContainer(grandchild).names).toEqual(['docker']);
    });

    it('is empty when no backend is registered', () => {
      const registry = BackendRegistry.fromContainer(child);
      expect(registry.names).toEqual([]);
      expect(capstanErrorOf(() => registry.get('docker')).code).toBe('backend.unknown');
    });

    it('rejects two registered backends of one name', () => {
      registerBackend(child, () => new FakeBackend('docker'));
      registerBackend(child, () => new FakeBackend('docker'));
      expect(capstanErrorOf(() => BackendRegistry.fromContainer(child)).code).toBe('backend.duplicate');
    });

    it('does not leak registrations into the root container', () => {
      registerBackend(child, () => new FakeBackend('docker'));
      expect(container.isRegistered(Backend, true)).toBe(false);
    });
  });
});
