import { guardedObjectBody, ObjectStoreFailure, type ObjectRead, type ObjectStore, type StoredObject } from '@capstan/core-constraints';
import { Readable } from 'node:stream';
import { folderPrefix, objectKey, parseBucketKey } from './s3-address';
import { loadClient, type LoadedClient } from './s3-client';
import { s3Failure } from './s3-failure';
import { type S3StoreSettings } from './s3-options';

/** An ObjectStore over the S3 API: AWS itself, an S3-compatible store, or GCS's interoperable XML API. */
export class S3ObjectStore implements ObjectStore {
  private loaded: Promise<LoadedClient> | null = null;

  constructor(
    readonly schemes: readonly string[],
    private readonly settings: S3StoreSettings,
  ) {}

  checkAddress(url: URL): void {
    parseBucketKey(url, this.settings.buckets);
  }

  describe(): readonly string[] {
    return this.schemes.flatMap((scheme) =>
      this.settings.buckets.length === 0 ? [`${scheme}://`] : this.settings.buckets.map((bucket) => `${scheme}://${bucket}/`),
    );
  }

  async list(url: URL, signal?: AbortSignal): Promise<StoredObject[]> {
    const { bucket, key } = parseBucketKey(url, this.settings.buckets);
    const prefix = folderPrefix(key);
    const { sdk, client } = await this.client();
    const objects: StoredObject[] = [];
    let token: string | undefined;
    try {
      do {
        const page = await client.send(new sdk.ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }), { abortSignal: signal });
        for (const object of page.Contents ?? []) {
          if (object.Key === undefined || !object.Key.startsWith(prefix)) continue;
          objects.push({ relativePath: object.Key.slice(prefix.length), sizeBytes: object.Size ?? 0 });
        }
        if (objects.length > this.settings.maxListedObjects) {
          throw new ObjectStoreFailure(
            'refused',
            `there are more than ${this.settings.maxListedObjects} objects below "${prefix}" in the bucket "${bucket}"`,
            'give a narrower prefix, or ask the operator to raise the store\'s maxListedObjects',
          );
        }
        token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
      } while (token !== undefined);
    } catch (error) {
      throw s3Failure(error, `listing the objects below "${prefix}" in the bucket "${bucket}"`);
    }
    return objects;
  }

  async read(url: URL, signal?: AbortSignal): Promise<ObjectRead> {
    const location = parseBucketKey(url, this.settings.buckets);
    const key = objectKey(location, this.schemes[0] ?? 's3');
    const { sdk, client } = await this.client();
    const what = `reading the object "${key}" in the bucket "${location.bucket}"`;
    try {
      const answer = await client.send(new sdk.GetObjectCommand({ Bucket: location.bucket, Key: key }), { abortSignal: signal });
      if (!(answer.Body instanceof Readable)) throw new ObjectStoreFailure('failed', `${what}: the store sent no body`, 'try again');
      const body = answer.Body;
      return { sizeBytes: answer.ContentLength ?? null, body: guardedObjectBody(body, () => body.destroy(), (error, bytes) => s3Failure(error, `${what}, after ${bytes} bytes`)) };
    } catch (error) {
      throw s3Failure(error, what);
    }
  }

  async write(url: URL, body: AsyncIterable<Uint8Array>, sizeBytes: number, signal?: AbortSignal, onBytes?: (bytesDone: number) => void): Promise<void> {
    const location = parseBucketKey(url, this.settings.buckets);
    const key = objectKey(location, this.schemes[0] ?? 's3');
    const { storage, client } = await this.client();
    // Parts of partSizeBytes, queueSize at a time: the memory an upload holds is bounded whatever the file's size.
    // A failed multipart upload is aborted (its parts deleted), so no object appears under the key.
    const upload = new storage.Upload({
      client,
      params: { Bucket: location.bucket, Key: key, Body: Readable.from(body), ContentLength: sizeBytes },
      partSize: this.settings.partSizeBytes,
      queueSize: this.settings.queueSize,
      leavePartsOnError: false,
    });
    upload.on('httpUploadProgress', (progress) => {
      if (progress.loaded !== undefined) onBytes?.(progress.loaded);
    });
    const abort = (): void => void upload.abort().catch(() => undefined);
    signal?.addEventListener('abort', abort, { once: true });
    try {
      signal?.throwIfAborted();
      await upload.done();
    } catch (error) {
      throw s3Failure(error, `writing the object "${key}" in the bucket "${location.bucket}"`);
    } finally {
      signal?.removeEventListener('abort', abort);
    }
  }

  private client(): Promise<LoadedClient> {
    this.loaded ??= loadClient(this.settings);
    // A failed load (a broken install) is not kept: the next transfer tries again.
    this.loaded.catch(() => (this.loaded = null));
    return this.loaded;
  }
}
