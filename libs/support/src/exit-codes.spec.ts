import { CapstanError, ErrorCode } from '@capstan/core-constraints';
import { EXIT_CODE_BY_ERROR, ExitCode, exitCodeFor } from './exit-codes';

describe('exit-code policy', () => {
  it('gives every ErrorCode an exit code among the documented ones', () => {
    const known = new Set<number>(Object.values(ExitCode));
    for (const code of Object.values(ErrorCode)) {
      expect([code, known.has(EXIT_CODE_BY_ERROR[code])]).toEqual([code, true]);
      expect(exitCodeFor(new CapstanError(code, 'x'))).toBe(EXIT_CODE_BY_ERROR[code]);
    }
    expect(Object.keys(EXIT_CODE_BY_ERROR).sort()).toEqual(Object.values(ErrorCode).sort());
  });

  it('keeps Capstan codes away from a task\'s small ones and 0', () => {
    for (const code of Object.values(EXIT_CODE_BY_ERROR)) expect(code).toBeGreaterThanOrEqual(64);
  });

  it('maps anything that is not a CapstanError (a bug, a thrown string, an error with a forged code) to Internal', () => {
    expect(exitCodeFor(new Error('boom'))).toBe(ExitCode.Internal);
    expect(exitCodeFor('boom')).toBe(ExitCode.Internal);
    expect(exitCodeFor(undefined)).toBe(ExitCode.Internal);
    expect(exitCodeFor({ code: ErrorCode.Canceled })).toBe(ExitCode.Internal);
    expect(exitCodeFor(new CapstanError('no.such.code' as ErrorCode, 'x'))).toBe(ExitCode.Internal);
  });

  it('maps the codes a user sees most to the sysexits docs/decisions.md names', () => {
    expect(exitCodeFor(new CapstanError(ErrorCode.InvalidConfig, 'x'))).toBe(78);
    expect(exitCodeFor(new CapstanError(ErrorCode.BackendUnavailable, 'x'))).toBe(69);
    expect(exitCodeFor(new CapstanError(ErrorCode.Canceled, 'x'))).toBe(130);
    expect(exitCodeFor(new CapstanError(ErrorCode.FileUnreadable, 'x'))).toBe(66);
  });
});
