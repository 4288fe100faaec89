import { guardedObjectBody, objectFolderPrefix, ObjectStoreFailure, type ObjectRead, type ObjectStore, type StoredObject } from '@capstan/core-constraints';
import { Readable } from 'node:stream';
import { blobName, parseBlobAddress, underService } from './azure-address';
import { loadClient, type LoadedClient } from './azure-client';
import { azureFailure } from './azure-failure';
import { type AzureStoreSettings } from './azure-options';

/** An ObjectStore over Azure Blob storage: `az://account/container/blob` and the account's own https URLs. */
export class AzureObjectStore implements ObjectStore {
  readonly schemes = ['az'] as const;
  private loaded: Promise<LoadedClient> | null = null;

  constructor(private readonly settings: AzureStoreSettings) {}

  checkAddress(url: URL): void {
    parseBlobAddress(url, this.settings);
  }

  ownsUrl(url: URL): boolean {
    return underService(url, this.settings.serviceUrl);
  }

  describe(): readonly string[] {
    const { account, containers, serviceUrl } = this.settings;
    const below = containers.length === 0 ? [''] : containers.map((container) => `${container}/`);
    return below.flatMap((path) => [`az://${account}/${path}`, `${serviceUrl}/${path}`]);
  }

  async list(url: URL, signal?: AbortSignal): Promise<StoredObject[]> {
    const { container, blob } = parseBlobAddress(url, this.settings);
    const prefix = objectFolderPrefix(blob);
    const { service } = await this.client();
    const objects: StoredObject[] = [];
    try {
      const pages = service.getContainerClient(container).listBlobsFlat({ prefix, abortSignal: signal }).byPage({ maxPageSize: 5000 });
      for await (const page of pages) {
        for (const item of page.segment.blobItems) {
          if (!item.name.startsWith(prefix)) continue;
          objects.push({ relativePath: item.name.slice(prefix.length), sizeBytes: item.properties.contentLength ?? 0 });
        }
        if (objects.length > this.settings.maxListedObjects) {
          throw new ObjectStoreFailure(
            'refused',
            `there are more than ${this.settings.maxListedObjects} blobs below "${prefix}" in the container "${container}"`,
            'give a narrower prefix, or ask the operator to raise the store\'s maxListedObjects',
          );
        }
      }
    } catch (error) {
      throw azureFailure(error, `listing the blobs below "${prefix}" in the container "${container}"`);
    }
    return objects;
  }

  async read(url: URL, signal?: AbortSignal): Promise<ObjectRead> {
    const location = parseBlobAddress(url, this.settings);
    const name = blobName(location, this.settings.account);
    const { service } = await this.client();
    const what = `reading the blob "${name}" in the container "${location.container}"`;
    try {
      const blob = service.getContainerClient(location.container).getBlobClient(name);
      const answer = await blob.download(0, undefined, { abortSignal: signal, maxRetryRequests: this.settings.retries });
      const body = answer.readableStreamBody;
      if (body === undefined) throw new ObjectStoreFailure('failed', `${what}: the store sent no body`, 'try again');
      const stream = body as Readable;
      return { sizeBytes: answer.contentLength ?? null, body: guardedObjectBody(stream, () => stream.destroy(), (error, bytes) => azureFailure(error, `${what}, after ${bytes} bytes`)) };
    } catch (error) {
      throw azureFailure(error, what);
    }
  }

  async write(url: URL, body: AsyncIterable<Uint8Array>, _sizeBytes: number, signal?: AbortSignal, onBytes?: (bytesDone: number) => void): Promise<void> {
    const location = parseBlobAddress(url, this.settings);
    const name = blobName(location, this.settings.account);
    const { service } = await this.client();
    // Blocks of blockSizeBytes, `concurrency` at a time: the memory an upload holds is bounded whatever the file's
    // size. The blob appears (its block list is committed) only after the last block; staged blocks of a failed
    // upload are never committed, and the service drops them.
    const blob = service.getContainerClient(location.container).getBlockBlobClient(name);
    try {
      signal?.throwIfAborted();
      await blob.uploadStream(Readable.from(asBuffers(body)), this.settings.blockSizeBytes, this.settings.concurrency, {
        abortSignal: signal,
        onProgress: (progress) => onBytes?.(progress.loadedBytes),
      });
    } catch (error) {
      throw azureFailure(error, `writing the blob "${name}" in the container "${location.container}"`);
    }
  }

  private client(): Promise<LoadedClient> {
    this.loaded ??= loadClient(this.settings);
    // A failed load (a broken install) is not kept: the next transfer tries again.
    this.loaded.catch(() => (this.loaded = null));
    return this.loaded;
  }
}

/**
 * The SDK's block scheduler copies each chunk with Buffer's own methods, and a plain Uint8Array (what the contract
 * allows) made it throw inside a stream handler, leaving the upload pending forever: every chunk goes in as a Buffer
 * over the same memory.
 */
async function* asBuffers(body: AsyncIterable<Uint8Array>): AsyncGenerator<Buffer> {
  for await (const chunk of body) yield Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}
