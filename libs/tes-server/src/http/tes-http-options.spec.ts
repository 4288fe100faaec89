import { type CapstanError } from '@capstan/core-constraints';
import { captureCapstanError } from './testing/capture-capstan-error';
import { DEFAULT_BODY_LIMIT_BYTES, type LogSink, parseTesHttpOptions } from './tes-http-options';

const TOKEN = 'a-token-of-enough-length-0123';
const valid = { host: '0.0.0.0', auth: { tokens: [TOKEN] } };

function refusal(input: unknown): CapstanError {
  return captureCapstanError(() => parseTesHttpOptions(input), 'parseTesHttpOptions');
}

describe('parseTesHttpOptions', () => {
  it('fills the defaults, with process.stdout (or the given default) for the log', () => {
    const sink: LogSink = { write: () => true };
    expect(parseTesHttpOptions(valid, sink)).toEqual({
      ...valid,
      bodyLimitBytes: DEFAULT_BODY_LIMIT_BYTES,
      bodyLimitSetting: 'bodyLimitBytes',
      listBudgetBytes: 4 * 1024 * 1024,
      rateLimit: { max: 1200, windowSeconds: 60 },
      events: { maxStreams: 64, maxStreamsPerPrincipal: 4, heartbeatSeconds: 15, maxPendingBytes: 1024 * 1024 },
      logStream: sink,
    });
    expect(parseTesHttpOptions(valid).logStream).toBe(process.stdout);
  });

  it.each<[string, unknown, string | null, RegExp]>([
    ['no options', undefined, null, /^the TES server options are nothing, not a mapping; give the server options as an object$/],
    ['no host', { auth: valid.auth }, 'host', /^host is nothing, not an address; give the address to listen on/],
    ['an empty host', { ...valid, host: ' ' }, 'host', /^host is empty;/],
    ['a fractional body limit', { ...valid, bodyLimitBytes: 10.5 }, 'bodyLimitBytes', /^bodyLimitBytes is 10\.5, not a whole number of bytes; e\.g\. 4194304/],
    ['a tiny body limit', { ...valid, bodyLimitBytes: 10 }, 'bodyLimitBytes', /^bodyLimitBytes is 10, below the minimum of 1024 bytes/],
    ['a huge body limit', { ...valid, bodyLimitBytes: 2 ** 31 }, 'bodyLimitBytes', /^bodyLimitBytes is 2147483648, above the maximum of 1073741824 bytes \(1 GiB\)/],
    ['a body limit as a string', { ...valid, bodyLimitBytes: '4 MiB' }, 'bodyLimitBytes', /^bodyLimitBytes is "4 MiB", not a whole number of bytes/],
    ['an empty body limit setting', { ...valid, bodyLimitSetting: '' }, 'bodyLimitSetting', /^bodyLimitSetting is empty;/],
    ['a log stream without write', { ...valid, logStream: {} }, 'logStream', /^logStream is a value of type object, not a writable stream;/],
    ['an unknown option', { ...valid, port: 8000 }, null, /^the TES server options have the unknown key "port"; the known keys are host, auth, bodyLimitBytes, bodyLimitSetting, listBudgetBytes, rateLimit, events, logStream$/],
    ['tokens as a string', { ...valid, auth: { tokens: TOKEN } }, 'auth.tokens', /^auth\.tokens is one string, not a list of tokens; write tokens: \["<token>"\]$/],
    ['a token that is not a string', { ...valid, auth: { tokens: [42] } }, 'auth.tokens.0', /^auth\.tokens\.0 is 42, not a string;/],
  ])('refuses %s, naming the option, the value and the fix', (_label, input, path, message) => {
    const error = refusal(input);
    expect(error.code).toBe('config.invalid');
    expect(error.path).toBe(path);
    expect(error.message).toMatch(message);
    expect(error.message).not.toContain(TOKEN);
  });
});
