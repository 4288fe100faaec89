import { CapstanError, ErrorCode, type ObjectStore, redactUrl } from '@capstan/core-constraints';
import { childUrl, parseAddress } from './transfer-address';

function parse(url: string): ReturnType<typeof parseAddress> {
  return parseAddress(url, { fieldPath: 'inputs.0.url', shownUrl: redactUrl(url) });
}

function refusal(url: string): CapstanError {
  try {
    parse(url);
  } catch (error) {
    if (error instanceof CapstanError) return error;
    throw error;
  }
  throw new Error(`${url} was accepted`);
}

describe('parseAddress', () => {
  it('reads file URLs and plain absolute paths as host paths, normalised', () => {
    expect(parse('file:///data/a%20b.txt')).toEqual({ kind: 'file', path: '/data/a b.txt' });
    expect(parse('file://localhost/data/x')).toEqual({ kind: 'file', path: '/data/x' });
    expect(parse('file:///data/in/../../etc/passwd')).toEqual({ kind: 'file', path: '/etc/passwd' });
    expect(parse('/data//in/./x/')).toEqual({ kind: 'file', path: '/data/in/x' });
  });

  it('moves user info into a basic-auth header and out of the URL', () => {
    const address = parse('https://al%40ice:p%3Ass@example.org/x?y=1#frag');
    if (address.kind !== 'http') throw new Error('expected http');
    expect(address.url.href).toBe('https://example.org/x?y=1');
    expect(address.authorization).toBe(`Basic ${Buffer.from('al@ice:p:ss').toString('base64')}`);
    const plain = parse('http://example.org/x');
    expect(plain.kind === 'http' && plain.authorization).toBeNull();
  });

  it.each(['s3://bucket/key', 'gs://bucket/key', 'ftp://host/file', 'drs://host/id'])('refuses %s naming the scheme and what is supported', (url) => {
    const error = refusal(url);
    const scheme = url.split(':')[0];
    expect(error.code).toBe(ErrorCode.TransferRefused);
    expect(error.path).toBe('inputs.0.url');
    expect(error.message).toContain(`"${scheme}"`);
    expect(error.message).toContain('file:// (under the allowed roots), http:// and https://');
    expect(error.details).toMatchObject({ scheme });
  });

  it('hands an http(s) URL a store owns to that store, and every other one to plain http', () => {
    // A pure routing rule: a fake store that owns the URLs of one host.
    const owner: ObjectStore = {
      schemes: ['az'],
      ownsUrl: (url) => url.host === 'acct.blob.core.windows.net',
      checkAddress: () => undefined,
      list: () => Promise.resolve([]),
      read: () => Promise.reject(new Error('unused')),
      write: () => Promise.resolve(),
      describe: () => ['az://'],
    };
    const subject = { fieldPath: 'inputs.0.url', shownUrl: 'x' };
    expect(parseAddress('https://acct.blob.core.windows.net/c/b', subject, [owner])).toMatchObject({ kind: 'object', store: owner });
    expect(parseAddress('https://other.blob.core.windows.net/c/b', subject, [owner])).toMatchObject({ kind: 'http' });
    expect(parseAddress('az://acct/c/b', subject, [owner])).toMatchObject({ kind: 'object', store: owner });
  });

  it('refuses a file URL naming another host, relative paths and empty urls', () => {
    expect(refusal('file://otherhost/data/x').message).toContain('names the host "otherhost"');
    expect(refusal('data/x').message).toContain('neither an absolute path nor a URL');
    expect(refusal('  ').message).toContain('the url is empty');
    expect(refusal('file:///data/a%2Fb').code).toBe(ErrorCode.TransferRefused);
  });

  it('keeps secrets out of its refusals', () => {
    const error = refusal('s3://KEY:SECRETVALUE@bucket/x?token=TOKENVALUE');
    expect(JSON.stringify({ message: error.message, details: error.details })).not.toMatch(/SECRETVALUE|TOKENVALUE/);
  });
});

describe('childUrl', () => {
  it.each<[string, string, string]>([
    ['http://h/base', 'a/b c.txt', 'http://h/base/a/b%20c.txt'],
    ['http://h/base/', 'x', 'http://h/base/x'],
    ['https://h/base?sig=1&se=2', 'd/#1.txt', 'https://h/base/d/%231.txt?sig=1&se=2'],
    ['file:///data/out', 'a b/c', 'file:///data/out/a%20b/c'],
    ['/data/out/', 'a/b', '/data/out/a/b'],
    ['http://h/base', '', 'http://h/base'],
  ])('%s + %s -> %s', (base, relative, expected) => {
    expect(childUrl(base, relative)).toBe(expected);
  });
});
