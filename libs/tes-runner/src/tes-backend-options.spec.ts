import { parseTesBackendOptions } from './tes-backend-options';

describe('parseTesBackendOptions', () => {
  it('takes {} and fills the defaults', () => {
    expect(parseTesBackendOptions({})).toEqual({
      auth: { type: 'none' },
      pollIntervalMs: 1000,
      pageSize: 256,
      requestTimeoutMs: 30_000,
      retries: 5,
      retryDelayMs: 250,
      retryMaxDelayMs: 10_000,
      unreachableTimeoutMs: 600_000,
      cancelWaitMs: 60_000,
      pathMappings: [],
      maxCpuPerTask: 64,
      maxMemoryPerTask: 512 * 1024 ** 3,
    });
    expect(parseTesBackendOptions(undefined).url).toBeUndefined();
  });

  it('reads the url without its trailing slash, and sizes as strings', () => {
    const options = parseTesBackendOptions({ url: 'http://127.0.0.1:8000/ga4gh/tes/v1/', maxMemoryPerTask: '64 GiB', auth: { type: 'basic', username: 'u', password: 'p' } });
    expect(options).toMatchObject({ url: 'http://127.0.0.1:8000/ga4gh/tes/v1', maxMemoryPerTask: 64 * 1024 ** 3, auth: { type: 'basic', username: 'u', password: 'p' } });
  });

  it.each([
    [{ url: 'ftp://host/tes' }, 'tes.url', 'not http:// or https://'],
    [{ url: 'tes.example.org' }, 'tes.url', 'not an absolute URL'],
    [{ url: 'http://host/tes?x=1' }, 'tes.url', 'has a query'],
    [{ pollIntervalMs: 0 }, 'tes.pollIntervalMs', 'below the minimum'],
    [{ pageSize: 2048 }, 'tes.pageSize', 'above the maximum'],
    [{ pathMappings: [{ path: 'data', url: 'file:///x' }] }, 'tes.pathMappings.0.path', 'absolute host folder'],
    [{ auth: { type: 'token' } }, 'tes.auth.type', ''],
    [{ color: 'red' }, 'tes', 'unknown key "color"'],
  ])('refuses %j at %s', (options, path, message) => {
    expect(() => parseTesBackendOptions(options)).toThrow(expect.objectContaining({ code: 'config.invalid', path, message: expect.stringContaining(message) }));
  });

  it('refuses credentials in the url without repeating them', () => {
    const attempt = (): unknown => parseTesBackendOptions({ url: 'https://alice:hunter2@tes.example.org/ga4gh/tes/v1' });
    expect(attempt).toThrow(expect.objectContaining({ code: 'config.invalid', path: 'tes.url' }));
    expect(attempt).toThrow(expect.not.objectContaining({ message: expect.stringContaining('hunter2') }));
  });

  it.each([
    [{ type: 'bearer', token: 123456 }, 'tes.auth.token'],
    [{ type: 'bearer', token: '' }, 'tes.auth.token'],
    [{ type: 'basic', username: 'u', password: 987654 }, 'tes.auth.password'],
    ['123456', 'tes.auth'],
  ])('never shows a wrong secret %j', (auth, path) => {
    let caught: unknown;
    try {
      parseTesBackendOptions({ auth });
    } catch (error) {
      caught = error;
    }
    expect(caught).toMatchObject({ code: 'config.invalid', path, details: {} });
    expect(JSON.stringify({ message: (caught as Error).message, details: (caught as { details: unknown }).details })).not.toMatch(/123456|987654/);
  });
});
