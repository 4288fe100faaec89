import { BackendRegistry } from '@capstan/core-constraints';
import { container } from 'tsyringe';
import { registerTesBackend } from './register-tes-backend';
import { TesBackend } from './tes-backend';

describe('registerTesBackend', () => {
  it('registers the tes backend under the backend token, with its options', () => {
    const child = container.createChildContainer();
    registerTesBackend(child, { url: 'http://127.0.0.1:8000/ga4gh/tes/v1/', pollIntervalMs: 500 });
    const backend = BackendRegistry.fromContainer(child).get('tes');
    expect(backend).toBeInstanceOf(TesBackend);
    expect((backend as TesBackend).options).toMatchObject({ url: 'http://127.0.0.1:8000/ga4gh/tes/v1', pollIntervalMs: 500 });
    expect(backend.capabilities).toMatchObject({ schedulesItself: true, runsContainers: true, containerKinds: ['docker'], usage: 'unavailable' });
  });

  it('registers without options (the section may be absent), as an unavailable backend', async () => {
    const child = container.createChildContainer();
    registerTesBackend(child);
    expect((await BackendRegistry.fromContainer(child).get('tes').probe()).available).toBe(false);
  });

  it('refuses bad options when registering, naming the field', () => {
    expect(() => registerTesBackend(container.createChildContainer(), { url: 'tes.example.org' })).toThrow(expect.objectContaining({ code: 'config.invalid', path: 'tes.url' }));
  });

  it('gives each instance its own tag', () => {
    expect(new TesBackend().instanceTag.value).not.toBe(new TesBackend().instanceTag.value);
  });
});
