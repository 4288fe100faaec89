// The AWS SDK must not load until a transfer meets an s3:// address: this module map makes loading it throw.
jest.mock('@aws-sdk/client-s3', () => {
  throw new Error('the AWS SDK was loaded');
});
jest.mock('@aws-sdk/lib-storage', () => ({}));

import { objectStores } from './index';

describe('the s3 store loads the AWS SDK only at its first transfer', () => {
  it('is built, checks addresses and describes itself without the SDK', () => {
    const [store] = objectStores({ s3: { buckets: ['data'] } });
    expect(() => store?.checkAddress(new URL('s3://data/key'))).not.toThrow();
    expect(store?.describe()).toEqual(['s3://data/']);
  });

  it('loads it at the first listing (which this test makes fail)', async () => {
    const [store] = objectStores({ s3: {} });
    await expect(store?.list(new URL('s3://data/prefix'))).rejects.toThrow('the AWS SDK was loaded');
  });
});
