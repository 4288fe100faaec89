import { CapstanError, ErrorCode } from '@capstan/core-constraints';
import { FileAndHttpTransfer } from './file-and-http-transfer';
import { parseTransferOptions } from './options/transfer-options';

// checkAddress is the one rule a TES server applies when a task is created; these cases prove it refuses lexically
// what the transfer would refuse later, and lets through what the transfer would use.
const transfer = new FileAndHttpTransfer(parseTransferOptions({ allowedRoots: ['/data/shared', '/srv/out/'], allowAddresses: ['10.9.0.0/16'] }));

function refusal(url: string, direction: 'in' | 'out' = 'in', on: FileAndHttpTransfer = transfer): CapstanError {
  try {
    on.checkAddress(url, direction, 'inputs.4.url');
  } catch (error) {
    if (error instanceof CapstanError) return error;
    throw error;
  }
  throw new Error(`expected ${url} to be refused`);
}

describe('checkAddress', () => {
  it.each([
    ['a file:// URL under a root', 'file:///data/shared/reads.txt'],
    ['the root itself', 'file:///data/shared'],
    ['a plain absolute path under a root (the TES spec allows it)', '/srv/out/x'],
    ['an http URL whose host is a name (judged when it is resolved)', 'http://example.org/x'],
    ['an allowed address', 'https://10.9.1.1/x'],
  ])('accepts %s', (_case, url) => {
    expect(() => transfer.checkAddress(url, 'in', 'inputs.4.url')).not.toThrow();
    expect(() => transfer.checkAddress(url, 'out', 'inputs.4.url')).not.toThrow();
  });

  it.each([
    ['a sibling folder whose name starts with a root', 'file:///data/shared-evil/x'],
    ['the same as a plain path', '/data/shared-evil/x'],
    ['a sibling of a root written with a trailing slash', 'file:///srv/outside/x'],
    ['a root\'s parent', 'file:///data'],
    ['a climb out of a root by ..', 'file:///data/shared/../secret'],
    ['a plain-path climb', '/data/shared/../../etc/passwd'],
    ['an escaped slash', 'file:///data/shared/..%2F..%2Fetc%2Fpasswd'],
    ['another host', 'file://fileserver/data/shared/x'],
    ['an unsupported scheme', 's3://bucket/x'],
    ['a relative path', 'data/shared/x'],
    ['cloud metadata, with credentials', 'http://user:secret-pw@169.254.169.254/latest'],
  ])('refuses %s, naming the field, without its credentials', (_case, url) => {
    for (const direction of ['in', 'out'] as const) {
      const error = refusal(url, direction);
      expect(error.code).toBe(ErrorCode.TransferRefused);
      expect(error.path).toBe('inputs.4.url');
      expect(error.message).not.toContain('secret-pw');
    }
  });

  it.each([
    ['an unsupported scheme', 'ftp://reader:hunter2-secret@example.org/x'],
    ['a refused address', 'http://reader:hunter2-secret@169.254.169.254/x?sig=hunter2-secret'],
    ['a signed query on a refused address', 'https://10.0.0.1/x?X-Amz-Signature=hunter2-secret'],
  ])('shows %s redacted in its refusal (the URL is redacted only when a message needs it)', (_case, url) => {
    const error = refusal(url);
    expect(error.path).toBe('inputs.4.url');
    expect(error.message).not.toContain('hunter2');
    expect(error.message).toContain('***');
  });

  it('names the roots and the access refused', () => {
    expect(refusal('file:///data/shared-evil/x', 'in').message).toMatch(/outside the folders this server may read \(\/data\/shared, \/srv\/out\)/);
    expect(refusal('file:///data/shared-evil/x', 'out').message).toMatch(/may write/);
  });

  it('refuses every file:// address when no root is configured, and says so', () => {
    const none = new FileAndHttpTransfer(parseTransferOptions({}));
    expect(refusal('file:///data/shared/x', 'in', none).message).toMatch(/file:\/\/ transfers are turned off on this server/);
    expect(() => none.checkAddress('http://example.org/x', 'in', 'inputs.4.url')).not.toThrow();
  });
});
