import { hostOfHeader, isLoopbackHost } from './loopback-host';

describe('isLoopbackHost', () => {
  it.each(['localhost', 'LOCALHOST', ' localhost ', '127.0.0.1', '127.255.255.254', '127.0.0.53', '::1', '[::1]', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1', '[::ffff:127.1.2.3]'])(
    '%j is loopback',
    (host) => {
      expect(isLoopbackHost(host)).toBe(true);
    },
  );

  it.each(['0.0.0.0', '::', '', '128.0.0.1', '10.127.0.1', '1.2.3.127', '127.0.0.256', '::2', '::ffff:10.0.0.1', 'localhost.example.org', 'my-localhost', '127.0.0.1.nip.io', 'fe80::1'])(
    '%j is not',
    (host) => {
      expect(isLoopbackHost(host)).toBe(false);
    },
  );
});

describe('hostOfHeader', () => {
  it.each([
    ['localhost:8000', 'localhost'],
    ['localhost', 'localhost'],
    ['127.0.0.1:80', '127.0.0.1'],
    ['[::1]:8000', '::1'],
    ['[::1]', '::1'],
    ['::1', '::1'],
    ['evil.example:80', 'evil.example'],
    ['[::1].evil.example:80', '[::1].evil.example:80'],
    ['localhost:80@evil.example', 'localhost:80@evil.example'],
  ])('%j -> %j', (header, host) => {
    expect(hostOfHeader(header)).toBe(host);
  });

  it.each(['localhost:80@evil.example', '[::1].evil.example:80', 'localhost.evil.example:8000', '127.0.0.1.nip.io:80', 'evil.example'])('%j does not pass as loopback', (header) => {
    expect(isLoopbackHost(hostOfHeader(header))).toBe(false);
  });
});
