import { CapstanError, ErrorCode, GIB } from '@capstan/core-constraints';
import { parseTransferOptions } from './transfer-options';

function failure(value: unknown): CapstanError {
  try {
    parseTransferOptions(value, 'transfer');
  } catch (error) {
    if (error instanceof CapstanError) return error;
    throw error;
  }
  throw new Error('accepted');
}

describe('parseTransferOptions', () => {
  it('fills defaults: no roots (file:// off), 64 GiB, 3 retries', () => {
    expect(parseTransferOptions(undefined)).toEqual({
      allowAddresses: [],
      allowedRoots: [],
      maxInputBytes: 64 * GIB,
      retries: 3,
      backoffMs: 500,
      maxBackoffMs: 30_000,
      maxRetryAfterMs: 60_000,
      timeoutMs: 60_000,
      progressIntervalMs: 1_000,
    });
  });

  it('reads sizes as numbers or strings and normalises roots', () => {
    const settings = parseTransferOptions({ allowedRoots: ['/data/', '/data', '/scratch//x/..'], maxInputBytes: '1.5 GiB', retries: 0 });
    expect(settings.allowedRoots).toEqual(['/data', '/scratch']);
    expect(settings.maxInputBytes).toBe(1.5 * GIB);
    expect(settings.retries).toBe(0);
    expect(parseTransferOptions({ maxInputBytes: 1024 }).maxInputBytes).toBe(1024);
  });

  it.each<[string, unknown, string, ErrorCode]>([
    ['a relative root', { allowedRoots: ['data'] }, 'transfer.allowedRoots.0', ErrorCode.InvalidValue],
    ['a bad size', { maxInputBytes: '12 parsecs' }, 'transfer.maxInputBytes', ErrorCode.InvalidSize],
    ['negative retries', { retries: -1 }, 'transfer.retries', ErrorCode.InvalidValue],
    ['a zero timeout', { timeoutMs: 0 }, 'transfer.timeoutMs', ErrorCode.InvalidValue],
    ['an unknown key', { allowedRoot: ['/data'] }, 'transfer', ErrorCode.InvalidValue],
    ['a name in allowAddresses', { allowAddresses: ['localhost'] }, 'transfer.allowAddresses.0', ErrorCode.InvalidValue],
    ['a prefix too long', { allowAddresses: ['10.0.0.0/33'] }, 'transfer.allowAddresses.0', ErrorCode.InvalidValue],
  ])('refuses %s at its path', (_label, value, path, code) => {
    const error = failure(value);
    expect(error.path).toBe(path);
    expect(error.code).toBe(code);
  });
});
