import { type DockerClient, type PullMessage, pullStreamError, readJsonLines } from '@capstan/docker-api/internal';
import { BUSYBOX, type LocalRegistry } from './docker-test-kit';

/**
 * Puts the busybox test image into the local registry under `capstan/docker-runner-test:1` (the same layers as
 * registry.sh's image, so nothing new is stored) and removes the local tag, so that using it needs a pull.
 */
export async function pushTestImage(client: DockerClient, registry: LocalRegistry): Promise<string> {
  const repository = `${registry.registry}/capstan/docker-runner-test`;
  const reference = `${repository}:1`;
  await client.api.getImage(BUSYBOX).tag({ repo: repository, tag: '1' });
  const stream = (await client.api.getImage(reference).push({
    authconfig: { username: registry.username, password: registry.password, serveraddress: registry.registry },
  })) as NodeJS.ReadableStream;
  let failure: string | undefined;
  await readJsonLines(stream, (message) => (failure ??= pullStreamError(message as PullMessage)));
  if (failure !== undefined) throw new Error(`push of ${reference} failed: ${failure}`);
  await forgetLocally(client, reference);
  return reference;
}

/** Removes the local tag (the image stays while other tags name it). */
export async function forgetLocally(client: DockerClient, reference: string): Promise<void> {
  await client.removeImage(reference);
  if ((await client.inspectImage(reference)) !== null) throw new Error(`${reference} is still local`);
}
