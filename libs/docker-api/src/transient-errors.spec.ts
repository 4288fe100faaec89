import { dockerErrorInfo } from './docker-error';
import { isTransientDockerError } from './transient-errors';

const http = (statusCode: number, message: string): Error => Object.assign(new Error(`(HTTP code ${statusCode}) - ${message}`), { statusCode, json: { message } });
const socket = (code: string): Error => Object.assign(new Error(`connect ${code}`), { code });

describe('isTransientDockerError', () => {
  it.each([
    ['a reset connection', socket('ECONNRESET'), false, true],
    ['a broken pipe', socket('EPIPE'), false, true],
    ['a refused connection before the daemon ever answered', socket('ECONNREFUSED'), false, false],
    ['a refused connection after it answered (a restart)', socket('ECONNREFUSED'), true, true],
    ['a missing socket before the daemon ever answered', socket('ENOENT'), false, false],
    ['a removal already in progress', http(409, 'removal of container x is already in progress'), true, true],
    ['a name already in use', http(409, 'Conflict. The container name "/x" is already in use'), true, false],
    ['a plain server error', http(500, 'driver failed programming external connectivity'), true, true],
    ['a missing executable', http(500, 'OCI runtime create failed: exec: "bash": executable file not found in $PATH'), true, false],
    ['a registry refusing credentials', http(500, 'Head "http://r/v2/x/manifests/1": no basic auth credentials'), true, false],
    ['a registry that does not answer', http(500, 'Get "http://127.0.0.1:5999/v2/": dial tcp 127.0.0.1:5999: connect: connection refused'), true, false],
    ['a 404', http(404, 'No such container: x'), true, false],
    ['an error without a code', new Error('boom'), true, false],
  ])('%s', (_name, error, daemonSeen, expected) => {
    expect(isTransientDockerError(error, daemonSeen)).toBe(expected);
  });
});

describe('dockerErrorInfo', () => {
  it('takes the daemon’s own message, without dockerode’s prefix', () => {
    expect(dockerErrorInfo(http(404, 'No such image: x')).message).toBe('No such image: x');
    const streamed = Object.assign(new Error('(HTTP code 500) server error - Head "http://r/v2/x/manifests/1": no basic auth credentials '), { statusCode: 500 });
    expect(dockerErrorInfo(streamed)).toEqual({ statusCode: 500, code: undefined, message: 'Head "http://r/v2/x/manifests/1": no basic auth credentials' });
  });
});
