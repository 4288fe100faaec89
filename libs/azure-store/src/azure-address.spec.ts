import { ObjectStoreFailure } from '@capstan/core-constraints';
import { blobName, parseBlobAddress, underService } from './azure-address';
import { azureSettings } from './azure-settings';

const settings = azureSettings({ account: 'acct', accountKey: 'a2V5', endpoint: 'http://127.0.0.1:10000/acct/' }, 'azure');

describe('blob addresses', () => {
  it('reads az:// and the service\'s own URLs into the same container and blob', () => {
    expect(parseBlobAddress(new URL('az://acct/data/a%20b/c.txt'), settings)).toEqual({ container: 'data', blob: 'a b/c.txt' });
    expect(parseBlobAddress(new URL('http://127.0.0.1:10000/acct/data/a%20b/c.txt'), settings)).toEqual({ container: 'data', blob: 'a b/c.txt' });
    expect(parseBlobAddress(new URL('az://acct/data'), settings)).toEqual({ container: 'data', blob: '' });
  });

  it('owns only URLs below its service URL, on the same scheme, host and port', () => {
    expect(underService(new URL('http://127.0.0.1:10000/acct/data/x'), settings.serviceUrl)).toBe(true);
    for (const other of ['http://127.0.0.1:10000/acctX/data/x', 'https://127.0.0.1:10000/acct/data/x', 'http://127.0.0.1:10001/acct/data/x', 'http://127.0.0.1:10000/acct']) {
      expect(underService(new URL(other), settings.serviceUrl)).toBe(false);
    }
  });

  it('refuses a folder where a blob is needed, and a malformed escape', () => {
    expect(() => blobName({ container: 'data', blob: 'dir/' }, 'acct')).toThrow('names a folder');
    expect(() => blobName({ container: 'data', blob: '' }, 'acct')).toThrow(ObjectStoreFailure);
    expect(() => parseBlobAddress(new URL('az://acct/data/%E0%A4%A'), settings)).toThrow('malformed %-escape');
  });

  it('settles the account and endpoint from a development connection string', () => {
    expect(azureSettings({ connectionString: 'UseDevelopmentStorage=true' }, null)).toMatchObject({ account: 'devstoreaccount1', serviceUrl: 'http://127.0.0.1:10000/devstoreaccount1' });
    expect(azureSettings({ account: 'acct', sasToken: '?sv=1&sig=x' }, null)).toMatchObject({ serviceUrl: 'https://acct.blob.core.windows.net', credential: { kind: 'sasToken', value: 'sv=1&sig=x' } });
  });
});
