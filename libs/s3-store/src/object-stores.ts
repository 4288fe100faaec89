import { type ObjectStore, parseWithSchema } from '@capstan/core-constraints';
import { S3ObjectStore } from './s3-object-store';
import { gsStoreOptionsSchema, s3StoreOptionsSchema } from './s3-options';

/** The transfer's `s3` and `gs` sections; a store is served only when its section is given. */
export interface ObjectStoresOptions {
  readonly s3?: unknown;
  readonly gs?: unknown;
}

/**
 * The stores the options turn on: `s3://` with the `s3` section (`{}` is enough: AWS's standard chain and region),
 * `gs://` with the `gs` section (HMAC keys, GCS's S3-compatible endpoint). Refused options are a CapstanError under
 * `path` (`api.transfer.s3.endpoint`). Building a store loads no SDK.
 */
export function objectStores(options: ObjectStoresOptions, path: string | null = null): ObjectStore[] {
  const at = (key: string): string => (path === null ? key : `${path}.${key}`);
  const stores: ObjectStore[] = [];
  if (options.s3 !== undefined) stores.push(new S3ObjectStore(['s3'], parseWithSchema(s3StoreOptionsSchema, options.s3, at('s3'))));
  if (options.gs !== undefined) stores.push(new S3ObjectStore(['gs'], parseWithSchema(gsStoreOptionsSchema, options.gs, at('gs'))));
  return stores;
}
