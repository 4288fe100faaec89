import { redactUrl } from './redact-url';

describe('redactUrl', () => {
  it.each<[string, string]>([
    ['https://alice:s3cret@example.org/data/x.bam', 'https://***@example.org/data/x.bam'],
    ['https://alice@example.org/x', 'https://***@example.org/x'],
    ['https://:s3cret@example.org/x', 'https://***@example.org/x'],
    [
      'https://bucket.s3.amazonaws.com/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIA%2F1&X-Amz-Signature=abcdef&X-Amz-Expires=60',
      'https://bucket.s3.amazonaws.com/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=***&X-Amz-Signature=***&X-Amz-Expires=60',
    ],
    ['https://acct.blob.core.windows.net/c/f?sv=2022-11-02&sig=AbC%2Bd&se=2030', 'https://acct.blob.core.windows.net/c/f?sv=2022-11-02&sig=***&se=2030'],
    ['http://h/x?access_token=t0k&format=raw', 'http://h/x?access_token=***&format=raw'],
    ['http://h/x?api_key=1&Password=2&session_id=3&page=4', 'http://h/x?api_key=***&Password=***&session_id=***&page=4'],
    ['http://h/x?AbC123opaqueToken987', 'http://h/x?***'],
    ['http://h/x?download', 'http://h/x?download'],
    ['http://h/x#access_token=abc', 'http://h/x#***'],
    ['http://h/x', 'http://h/x'],
    ['file:///data/in/a.txt', 'file:///data/in/a.txt'],
    ['s3://bucket/key?token=abc', 's3://bucket/key?token=***'],
    ['/data/plain/path', '/data/plain/path'],
  ])('%s -> %s', (input, expected) => {
    expect(redactUrl(input)).toBe(expected);
  });

  it('hides user info and the query of text that is not a URL', () => {
    expect(redactUrl('https://bob:pw@[bad-host/x?sig=1')).toBe('https://***@[bad-host/x?***');
    expect(redactUrl('not a url?token=abc')).toBe('not a url?***');
  });

  it('never lets a password through, however it is escaped', () => {
    for (const url of ['https://u:p%40ss%2Fword@h/x', 'ftp://u:pass-word@h/x', 'http://u:pass-word@127.0.0.1:8080/a?b=c']) {
      expect(redactUrl(url)).not.toMatch(/p%40ss|pass-word|p@ss/);
    }
  });
});
