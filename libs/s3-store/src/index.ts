// The public API of @capstan/s3-store (reviewed in api/s3-store.api.md): named exports only.
export { S3ObjectStore } from './s3-object-store';
export { gsStoreOptionsSchema, type S3StoreOptions, type S3StoreSettings, s3StoreOptionsSchema } from './s3-options';
export { objectStores, type ObjectStoresOptions } from './object-stores';
