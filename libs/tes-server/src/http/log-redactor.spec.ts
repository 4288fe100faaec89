import { LogRedactor } from './log-redactor';

describe('LogRedactor', () => {
  const redactor = new LogRedactor(['token-aaaaaaaaaaaaaaaa', 'token-aaaaaaaaaaaaaaaa-longer']);

  it.each([
    ['a known token', 'got token-aaaaaaaaaaaaaaaa here', 'got [REDACTED] here'],
    ['the longer of two overlapping tokens, whole', 'x token-aaaaaaaaaaaaaaaa-longer y', 'x [REDACTED] y'],
    ['URL user information', 'GET https://user:pw@host.example/a and s3://key@bucket/b', 'GET https://[REDACTED]@host.example/a and s3://[REDACTED]@bucket/b'],
    ['a user without a password', 'ftp://anonymous@ftp.example.org/x', 'ftp://[REDACTED]@ftp.example.org/x'],
    ['signatures in query strings', 'https://b.s3.amazonaws.com/k?X-Amz-Credential=AKIA&X-Amz-Signature=deadbeef&x=1', 'https://b.s3.amazonaws.com/k?X-Amz-Credential=[REDACTED]&X-Amz-Signature=[REDACTED]&x=1'],
    ['Azure SAS signatures', 'https://a.blob.core.windows.net/c/b?sv=2020&sig=abc%2Fdef', 'https://a.blob.core.windows.net/c/b?sv=2020&sig=[REDACTED]'],
    ['credentials after an auth scheme', 'header was Bearer abcdefgh12345 and Basic dXNlcjpwYXNz', 'header was Bearer [REDACTED] and Basic [REDACTED]'],
  ])('removes %s', (_label, text, expected) => {
    expect(redactor.redact(text)).toBe(expected);
  });

  it.each(['send a bearer token', 'Basic usage', 'https://example.org/path?x=1', 'GET /ga4gh/tes/v1/tasks/{id}:cancel'])('leaves %j alone', (text) => {
    expect(redactor.redact(text)).toBe(text);
  });

  it('keeps a JSON line valid', () => {
    const line = JSON.stringify({ message: 'a "quoted" https://u:p@h/x and token-aaaaaaaaaaaaaaaa' });
    expect(JSON.parse(redactor.redact(line))).toEqual({ message: 'a "quoted" https://[REDACTED]@h/x and [REDACTED]' });
  });
});
