import { BackendRegistry } from '@capstan/core-constraints';
import { container } from 'tsyringe';
import { PodmanBackend } from './podman-backend';
import { registerPodmanBackend } from './register-podman-backend';

describe('registerPodmanBackend', () => {
  it('registers the podman backend under the backend token, with its options', () => {
    const child = container.createChildContainer();
    registerPodmanBackend(child, { pullPolicy: 'never', socketPath: '/tmp/nothing.sock' });
    const backend = BackendRegistry.fromContainer(child).get('podman');
    expect(backend).toBeInstanceOf(PodmanBackend);
    expect((backend as PodmanBackend).options.pullPolicy).toBe('never');
    expect((backend as PodmanBackend).client.endpoint.description).toBe('unix:///tmp/nothing.sock');
  });

  it('refuses bad options when registering, naming the field', () => {
    expect(() => registerPodmanBackend(container.createChildContainer(), { userns: 'sometimes' as never })).toThrow(
      expect.objectContaining({ code: 'config.invalid', path: 'podman.userns' }),
    );
  });
});
