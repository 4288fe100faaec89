import { BackendRegistry } from '@capstan/core-constraints';
import { container } from 'tsyringe';
import { DockerBackend } from './docker-backend';
import { registerDockerBackend } from './register-docker-backend';

describe('registerDockerBackend', () => {
  it('registers the docker backend under the backend token, with its options', () => {
    const child = container.createChildContainer();
    registerDockerBackend(child, { pullPolicy: 'never', socketPath: '/tmp/nothing.sock' });
    const backend = BackendRegistry.fromContainer(child).get('docker');
    expect(backend).toBeInstanceOf(DockerBackend);
    expect((backend as DockerBackend).options.pullPolicy).toBe('never');
    expect((backend as DockerBackend).client.endpoint.description).toBe('unix:///tmp/nothing.sock');
  });

  it('refuses bad options when registering, naming the field', () => {
    expect(() => registerDockerBackend(container.createChildContainer(), { network: '' })).toThrow(expect.objectContaining({ code: 'config.invalid', path: 'docker.network' }));
  });
});
