import * as s3Store from './index';

describe('@capstan/s3-store public API', () => {
  it('exports the store, its options and the factory, and nothing internal', () => {
    expect(Object.keys(s3Store).sort()).toEqual(['S3ObjectStore', 'gsStoreOptionsSchema', 'objectStores', 's3StoreOptionsSchema'].sort());
  });
});
