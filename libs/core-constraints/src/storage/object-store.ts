/**
 * An object store a transfer reaches by URL scheme (`s3://bucket/key`, `gs://...`, `az://...`). The transfer owns
 * everything a store has in common (confinement of host paths, staging, size limits, progress, error messages naming
 * the task field); a store only speaks its protocol. So a new store plugs in beside the others without touching them.
 */
export interface ObjectStore {
  /** The URL schemes it serves, lower case, without the colon (`['s3']`). */
  readonly schemes: readonly string[];
  /** Refuses (ObjectStoreFailure `refused`) an address it could never use, from its text alone: no I/O, no SDK. */
  checkAddress(url: URL): void;
  /**
   * Whether an http(s) URL is the store's own (Azure's `https://account.blob.core.windows.net/...`): the transfer then
   * hands it to the store, with the store's credentials, instead of fetching it as plain http. From its text alone.
   */
  ownsUrl?(url: URL): boolean;
  /**
   * The objects below the address taken as a folder (its key plus `/`), each with its `/`-separated path below it.
   * An empty list when there are none. The transfer refuses hostile paths (`..`, empty segments) itself.
   */
  list(url: URL, signal?: AbortSignal): Promise<StoredObject[]>;
  /** The object's bytes as they arrive; `not_found` when there is no such object. */
  read(url: URL, signal?: AbortSignal): Promise<ObjectRead>;
  /**
   * Writes the object from a stream of `sizeBytes` bytes, in parts when it is large, so that at most a bounded
   * number of bytes is held in memory; the object appears under its key only when the whole stream was stored.
   * `onBytes` gets the running total of bytes sent.
   */
  write(url: URL, body: AsyncIterable<Uint8Array>, sizeBytes: number, signal?: AbortSignal, onBytes?: (bytesDone: number) => void): Promise<void>;
  /** What `service-info`'s storage list shows for it (`s3://`); no bucket names, no credentials. */
  describe(): readonly string[];
}

export interface StoredObject {
  readonly relativePath: string;
  readonly sizeBytes: number;
}

export interface ObjectRead {
  /** From the store's answer; null when it did not say. */
  readonly sizeBytes: number | null;
  readonly body: AsyncIterable<Uint8Array>;
}

export type ObjectStoreFailureKind = 'refused' | 'not_found' | 'denied' | 'failed';

/**
 * How a store says why it could not do something. `problem` and `fix` are shown to the task's client: they must not
 * hold a credential (name the bucket and key, never a signed URL or a key). The transfer adds the task field and the
 * address, and makes a CapstanError of it (`refused`: transfer.refused; the others: transfer.failed).
 */
export class ObjectStoreFailure extends Error {
  constructor(
    readonly kind: ObjectStoreFailureKind,
    readonly problem: string,
    readonly fix: string,
    options: { cause?: unknown } = {},
  ) {
    super(`${problem}; ${fix}`, options);
    this.name = 'ObjectStoreFailure';
  }
}

/**
 * A store's object body as a transfer reads it: a failure while reading (a broken connection) becomes the store's own
 * `fail(error, bytesSoFar)`, naming the object rather than the socket; `close` runs however reading ends (the transfer
 * stops early at a size limit), so the connection is not left open.
 */
export async function* guardedObjectBody(
  body: AsyncIterable<Uint8Array>,
  close: () => void,
  fail: (error: unknown, bytesSoFar: number) => ObjectStoreFailure,
): AsyncIterable<Uint8Array> {
  let bytes = 0;
  try {
    for await (const chunk of body) {
      bytes += chunk.byteLength;
      yield chunk;
    }
  } catch (error) {
    throw fail(error, bytes);
  } finally {
    close();
  }
}

/** The name prefix that lists what lies below an object name taken as a folder (`''`: the whole bucket or container). */
export function objectFolderPrefix(name: string): string {
  return name === '' || name.endsWith('/') ? name : `${name}/`;
}

/** An object is a single file: refuses a name that is empty or ends in `/` (a folder), shown to the client as `shown`. */
export function singleObjectName(name: string, shown: string): string {
  if (name === '' || name.endsWith('/')) {
    throw new ObjectStoreFailure('refused', `${shown} names a folder, not an object`, 'give the object\'s whole name, or type DIRECTORY for a folder');
  }
  return name;
}
