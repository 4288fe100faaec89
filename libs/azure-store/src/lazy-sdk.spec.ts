// The Azure SDK must not load until a transfer meets an az:// address: this module map makes loading it throw.
jest.mock('@azure/storage-blob', () => {
  throw new Error('the Azure SDK was loaded');
});

import { azureObjectStore } from './index';

const options = { account: 'acct', accountKey: 'a2V5', containers: ['data'] };

describe('the azure store loads the Azure SDK only at its first transfer', () => {
  it('is built, checks addresses, owns its URLs and describes itself without the SDK', () => {
    const store = azureObjectStore(options);
    expect(() => store?.checkAddress(new URL('az://acct/data/key'))).not.toThrow();
    expect(store?.ownsUrl?.(new URL('https://acct.blob.core.windows.net/data/key'))).toBe(true);
    expect(store?.ownsUrl?.(new URL('https://other.blob.core.windows.net/data/key'))).toBe(false);
    expect(store?.describe()).toEqual(['az://acct/data/', 'https://acct.blob.core.windows.net/data/']);
    expect(azureObjectStore(undefined)).toBeNull();
  });

  it('loads it at the first listing (which this test makes fail)', async () => {
    await expect(azureObjectStore(options)?.list(new URL('az://acct/data/prefix'))).rejects.toThrow('the Azure SDK was loaded');
  });
});
