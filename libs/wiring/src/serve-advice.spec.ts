import 'reflect-metadata';
import { CapstanError, ErrorCode } from '@capstan/core-constraints';
import { startupAdvice } from './serve-command';

const listenError = (code: string, address: string, port: number): NodeJS.ErrnoException => Object.assign(new Error(`listen ${code}`), { code, address, port });

describe('startupAdvice', () => {
  it('names the address and port the listen tried, and the flag that changes it', () => {
    expect(startupAdvice(listenError('EADDRINUSE', '127.0.0.1', 8000), {})?.message).toBe('127.0.0.1 port 8000 is in use (another capstan serve?); choose another with --port N, or --port 0 to take a free one');
    expect(startupAdvice(listenError('EACCES', '127.0.0.1', 80), {})?.message).toMatch(/^127\.0\.0\.1 port 80 needs privileges .*--port N$/);
    expect(startupAdvice(listenError('EADDRNOTAVAIL', '192.0.2.1', 8000), {})?.message).toMatch(/--host/);
  });

  it('names the flags of a missing token, for the server\'s own missing/empty message only', () => {
    const missing = new CapstanError(ErrorCode.InvalidConfig, 'auth.tokens is missing; give at least one bearer token (...)', { path: 'auth.tokens' });
    expect(startupAdvice(missing, {})?.message).toMatch(/--token-file FILE.*--token TOKEN.*--no-auth/);
    expect(startupAdvice(missing, {})?.exitCode).toBe(78);
  });

  it('fault: other errors keep their own message (undefined here)', () => {
    expect(startupAdvice(new CapstanError(ErrorCode.InvalidConfig, 'is too short', { path: 'auth.tokens' }), {})).toBeUndefined();
    expect(startupAdvice(new Error('disk full'), {})).toBeUndefined();
    expect(startupAdvice(undefined, {})).toBeUndefined();
  });
});
