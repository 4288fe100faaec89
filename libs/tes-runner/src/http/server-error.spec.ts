import { readComplaint, serverError } from './server-error';

const create = { method: 'POST', endpoint: '/tasks' };

describe('readComplaint', () => {
  it.each([
    ['{"code":"tes.invalid_task","message":"inputs.1.url is refused","path":"inputs.1.url","status":400}', { message: 'inputs.1.url is refused', code: 'tes.invalid_task', field: 'inputs.1.url' }],
    ['{"error":"bad task"}', { message: 'bad task', code: undefined, field: undefined }],
    ['{"code":3,"message":"invalid"}', { message: 'invalid', code: undefined, field: undefined }],
    ['<html>\n<body>oops</body>', { message: '<html>', code: undefined, field: undefined }],
    ['', { message: undefined, code: undefined, field: undefined }],
  ])('reads %s', (body, complaint) => {
    expect(readComplaint(body)).toEqual(complaint);
  });

  it('cuts long messages short', () => {
    expect(readComplaint(JSON.stringify({ error: 'x'.repeat(2000) })).message).toHaveLength(503);
  });
});

describe('serverError', () => {
  it('keeps a Capstan code and the field the server names', () => {
    const error = serverError(400, 'Bad Request', '{"code":"transfer.refused","message":"file:///x is outside the allowed roots","path":"inputs.2.url"}', create);
    expect(error).toMatchObject({ code: 'transfer.refused', path: 'inputs.2.url', details: { status: 400, request: 'POST /tasks', serverCode: 'transfer.refused' } });
    expect(error.message).toMatch(/^the TES server answered POST \/tasks with 400 Bad Request about inputs\.2\.url: file:\/\/\/x is outside the allowed roots; .*tes\.pathMappings/);
  });

  it.each([
    [400, create, 'tes.invalid_task'],
    [400, { method: 'GET', endpoint: '/tasks' }, 'tes.invalid_query'],
    [401, { method: 'GET', endpoint: '/tasks' }, 'backend.unavailable'],
    [403, create, 'backend.unavailable'],
    [404, { method: 'GET', endpoint: '/tasks/abc' }, 'tes.task_not_found'],
    [404, { method: 'POST', endpoint: '/tasks/abc:cancel' }, 'tes.task_not_found'],
    [404, { method: 'GET', endpoint: '/service-info' }, 'backend.unavailable'],
    [409, { method: 'POST', endpoint: '/tasks/abc:cancel' }, 'tes.invalid_transition'],
    [413, create, 'tes.body_too_large'],
    [418, create, 'backend.failure'],
  ])('maps %s on %j to %s when the server gives no code of ours', (status, request, code) => {
    expect(serverError(status, '', '{"error":"no","code":"http.whatever"}', request).code).toBe(code);
  });

  it('names the fix for refused credentials and a wrong url', () => {
    expect(serverError(401, 'Unauthorized', '', { method: 'GET', endpoint: '/tasks' }).message).toContain('set tes.auth');
    expect(serverError(404, 'Not Found', '', { method: 'GET', endpoint: '/service-info' }).message).toContain('tes.url must be the TES API base');
  });

  it('removes credentials from what it quotes', () => {
    const error = serverError(400, 'Bad Request', '{"error":"token s3cret is not valid","path":"s3cret"}', create, (text) => text.split('s3cret').join('[redacted]'));
    expect(error.message).not.toContain('s3cret');
    expect(error.path).toBe('[redacted]');
  });
});
