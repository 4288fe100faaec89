import { objectFolderPrefix, ObjectStoreFailure, singleObjectName } from '@capstan/core-constraints';

/** A bucket and a key, as read from `s3://bucket/key` (the key `''` names the whole bucket as a folder). */
export interface BucketKey {
  readonly bucket: string;
  readonly key: string;
}

// S3's rules for new buckets (and GCS's, which allow up to 222 with dots): lower case, digits, dots and hyphens.
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const MAX_KEY_BYTES = 1024;

/**
 * Reads `scheme://bucket/key` into a bucket and a key, refusing what no S3-compatible store would take: user info
 * (a credential written into the URL), a query or fragment, a bucket that is not a valid bucket name, a key over
 * 1024 bytes. `buckets`, when not empty, is the operator's list of the only buckets a client may name.
 */
export function parseBucketKey(url: URL, buckets: readonly string[]): BucketKey {
  const scheme = url.protocol.slice(0, -1);
  if (url.username !== '' || url.password !== '') {
    throw new ObjectStoreFailure('refused', 'the URL holds credentials before the bucket', `write ${scheme}://bucket/key; the server's own credentials are used`);
  }
  if (url.search !== '' || url.hash !== '') {
    throw new ObjectStoreFailure('refused', 'the URL has a query or a fragment', `write ${scheme}://bucket/key, escaping "?" and "#" in the key as %3F and %23`);
  }
  const bucket = url.hostname;
  if (!BUCKET.test(bucket) || bucket.includes('..') || /^\d+\.\d+\.\d+\.\d+$/.test(bucket)) {
    throw new ObjectStoreFailure(
      'refused',
      `the bucket name ${JSON.stringify(bucket.slice(0, 80))} is not valid`,
      'a bucket name is 3 to 63 lower-case letters, digits, dots and hyphens, starting and ending with a letter or digit',
    );
  }
  if (buckets.length > 0 && !buckets.includes(bucket)) {
    throw new ObjectStoreFailure('refused', `this server does not use the bucket "${bucket}"`, `use one of the buckets it is set up for: ${buckets.join(', ')}`);
  }
  let key: string;
  try {
    key = decodeURIComponent(url.pathname.replace(/^\//, ''));
  } catch {
    throw new ObjectStoreFailure('refused', 'the key has a malformed %-escape', 'escape "%" in the key as %25');
  }
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) {
    throw new ObjectStoreFailure('refused', `the key is ${Buffer.byteLength(key, 'utf8')} bytes long, more than the ${MAX_KEY_BYTES} an object key may have`, 'use a shorter key');
  }
  if (key.includes('\0')) throw new ObjectStoreFailure('refused', 'the key holds a NUL character', 'remove it from the key');
  return { bucket, key };
}

/** The key prefix that lists what lies below an address taken as a folder (`''` for the whole bucket). */
export const folderPrefix = objectFolderPrefix;

/** An object is a single file: its key must name one, not a folder. */
export function objectKey(location: BucketKey, scheme: string): string {
  return singleObjectName(location.key, `${scheme}://${location.bucket}/${location.key}`);
}
