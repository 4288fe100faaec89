import { CapstanError, ErrorCode } from '@capstan/core-constraints';
import { type ImageDetails } from './docker-client';
import { ImageResolver } from './image-resolver';

/** A daemon with some images locally and a registry holding others. */
function fakeDaemon(local: string[], inRegistry: string[]) {
  const images = new Set(local);
  const pulls: string[] = [];
  const client = { inspectImage: async (reference: string): Promise<ImageDetails | null> => (images.has(reference) ? { id: `id-${reference}`, user: '' } : null) };
  const puller = {
    pull: async (reference: string): Promise<void> => {
      pulls.push(reference);
      if (reference.includes('daemon-down')) throw new CapstanError(ErrorCode.BackendUnavailable, 'no Docker daemon answers');
      if (!inRegistry.includes(reference)) throw new Error(`Docker pull of ${reference} failed: manifest for ${reference} not found: manifest unknown`);
      images.add(reference);
    },
  };
  return { client, puller, pulls };
}

const credentials = { forImage: (reference: string) => (reference.startsWith('private.example') ? { username: 'u', password: 'p', serveraddress: 'private.example' } : undefined) };

describe('ImageResolver', () => {
  it('uses a local image without pulling under if-not-present, and pulls a missing one', async () => {
    const daemon = fakeDaemon(['a:1'], ['b:1']);
    const resolver = new ImageResolver(daemon.client, daemon.puller, credentials);
    await expect(resolver.resolve(['a:1'], { policy: 'if-not-present' })).resolves.toMatchObject({ reference: 'a:1', pulled: false });
    const pulled: string[] = [];
    await expect(resolver.resolve(['b:1'], { policy: 'if-not-present', onPulled: (reference) => pulled.push(reference) })).resolves.toMatchObject({ reference: 'b:1', pulled: true });
    expect(daemon.pulls).toEqual(['b:1']);
    expect(pulled).toEqual(['b:1']);
  });

  it('pulls a local image again under always, and never pulls under never', async () => {
    const daemon = fakeDaemon(['a:1'], ['a:1']);
    const resolver = new ImageResolver(daemon.client, daemon.puller, credentials);
    await resolver.resolve(['a:1'], { policy: 'always' });
    expect(daemon.pulls).toEqual(['a:1']);
    await expect(resolver.resolve(['missing:1', 'a:1'], { policy: 'never' })).resolves.toMatchObject({ reference: 'a:1' });
    expect(daemon.pulls).toEqual(['a:1']);
  });

  it('tries the candidates in order and lists each with its reason when none works', async () => {
    const daemon = fakeDaemon([], ['ok:1']);
    const resolver = new ImageResolver(daemon.client, daemon.puller, credentials);
    await expect(resolver.resolve(['gone:1', 'ok:1'], { policy: 'if-not-present' })).resolves.toMatchObject({ reference: 'ok:1' });
    const failure = await resolver.resolve(['gone:1', 'private.example/x:1'], { policy: 'if-not-present', skipped: [{ reference: 'library://x', reason: 'not docker' }] }).catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: 'image.unavailable', path: 'requirements.container' });
    const message = (failure as Error).message;
    expect(message).toContain("none of the task's 3 container images can be used (pull policy if-not-present)");
    expect(message).toContain('  - library://x: not docker');
    expect(message).toContain('  - gone:1: the pull failed: manifest for gone:1 not found');
    expect(message).toContain('  - private.example/x:1: the pull failed');
    const never = await resolver.resolve(['gone:1'], { policy: 'never' }).catch((error: unknown) => error);
    expect((never as Error).message).toContain('gone:1: not present locally, and the pull policy is never');
  });

  it('explains an auth failure by whether credentials were configured', async () => {
    const resolver = new ImageResolver(
      { inspectImage: async () => null },
      { pull: async (reference) => Promise.reject(new Error(`Docker pull of ${reference} failed: no basic auth credentials`)) },
      credentials,
    );
    const anonymous = await resolver.resolve(['127.0.0.1:5000/x:1'], { policy: 'if-not-present' }).catch((error: unknown) => error);
    expect((anonymous as Error).message).toContain('no credentials are configured for 127.0.0.1:5000');
    const refused = await resolver.resolve(['private.example/x:1'], { policy: 'if-not-present' }).catch((error: unknown) => error);
    expect((refused as Error).message).toContain('the credentials configured for private.example were refused');
  });

  it('fails at once when the daemon does not answer, without trying the other candidates', async () => {
    const daemon = fakeDaemon([], ['ok:1']);
    const resolver = new ImageResolver(daemon.client, daemon.puller, credentials);
    await expect(resolver.resolve(['daemon-down:1', 'ok:1'], { policy: 'if-not-present' })).rejects.toMatchObject({ code: 'backend.unavailable' });
    expect(daemon.pulls).toEqual(['daemon-down:1']);
  });
});
