import { type CapstanError } from '@capstan/core-constraints';
import { type FastifyReply, type FastifyRequest } from 'fastify';
import { bearerAuthHook } from './bearer-auth-hook';
import { createTesHttpServer } from './create-tes-http-server';
import { type TesErrorBody } from './http-error-body';
import { captureCapstanError } from './testing/capture-capstan-error';
import { FakeTesService } from './testing/fake-tes-service';
import { CollectedLog, OTHER_TOKEN, type RunningTesServer, startTesServer, TEST_TOKEN } from './testing/running-tes-server';

const TASKS = '/ga4gh/tes/v1/tasks';

function creationError(options: Record<string, unknown>): CapstanError {
  return captureCapstanError(() => createTesHttpServer(new FakeTesService(), { logStream: new CollectedLog(), ...options } as never), 'createTesHttpServer');
}

describe('bearer authentication', () => {
  let server: RunningTesServer;

  beforeEach(async () => {
    server = await startTesServer();
  });

  afterEach(async () => {
    await server.close();
  });

  it.each([
    ['GET', TASKS],
    ['POST', TASKS],
    ['GET', `${TASKS}/01JANYTHING000000000000000`],
    ['POST', `${TASKS}/01JANYTHING000000000000000:cancel`],
    ['GET', '/metrics'],
  ])('refuses %s %s without a token: 401 with WWW-Authenticate: Bearer', async (method, path) => {
    const answer = await fetch(`${server.base}${path}`, { method });
    expect(answer.status).toBe(401);
    expect(answer.headers.get('www-authenticate')).toBe('Bearer realm="capstan-tes"');
    const body = (await answer.json()) as TesErrorBody;
    expect(body).toMatchObject({ code: 'http.unauthorized', status: 401, path: null });
    expect(body.message).toContain('Authorization: Bearer <token>');
  });

  it.each([
    ['an unknown token', `Bearer ${TEST_TOKEN}x`],
    ['a prefix of a known token', `Bearer ${TEST_TOKEN.slice(0, -1)}`],
    ['another scheme', `Basic ${Buffer.from(`user:${TEST_TOKEN}`).toString('base64')}`],
    ['the token without a scheme', TEST_TOKEN],
  ])('refuses %s with error="invalid_token"', async (_label, authorization) => {
    const answer = await fetch(`${server.base}${TASKS}`, { headers: { authorization } });
    expect(answer.status).toBe(401);
    expect(answer.headers.get('www-authenticate')).toBe('Bearer realm="capstan-tes", error="invalid_token"');
    expect(((await answer.json()) as TesErrorBody).code).toBe('http.unauthorized');
  });

  it.each([
    ['the first token', `Bearer ${TEST_TOKEN}`],
    ['the second token', `Bearer ${OTHER_TOKEN}`],
    ['a lower-case scheme', `bearer ${TEST_TOKEN}`],
  ])('accepts %s', async (_label, authorization) => {
    const answer = await fetch(`${server.base}${TASKS}`, { headers: { authorization } });
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({ tasks: [] });
  });

  it.each(['/ga4gh/tes/v1/service-info', '/ga4gh/tes/v1/openapi.json', '/ga4gh/tes/v1/docs'])('serves %s without a token', async (path) => {
    const answer = await fetch(`${server.base}${path}`);
    expect(answer.status).toBe(200);
    expect((await answer.text()).length).toBeGreaterThan(0);
  });

  it('checks the token before reading the body', async () => {
    const answer = await fetch(`${server.base}${TASKS}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{not json' });
    expect(answer.status).toBe(401);
    expect(server.service.tasks.size).toBe(0);
  });
});

describe('authentication disabled', () => {
  it('serves the task routes without a token on a loopback host', async () => {
    const server = await startTesServer({ auth: { disabled: true } });
    try {
      const answer = await fetch(`${server.base}${TASKS}`);
      expect(answer.status).toBe(200);
      const document = (await (await fetch(`${server.base}/ga4gh/tes/v1/openapi.json`)).json()) as { components: Record<string, unknown> };
      expect(document.components['securitySchemes']).toBeUndefined();
    } finally {
      await server.close();
    }
  });

  it.each(['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', 'LocalHost'])('is allowed for %s', async (host) => {
    const app = createTesHttpServer(new FakeTesService(), { host, auth: { disabled: true }, logStream: new CollectedLog() });
    try {
      expect(app.server.listening).toBe(false);
    } finally {
      await app.close();
    }
  });

  it.each<[string | undefined, boolean]>([
    ['127.0.0.1', true],
    ['::ffff:127.0.0.1', true],
    ['::1', true],
    [undefined, true],
    ['10.0.0.5', false],
    ['::ffff:10.0.0.5', false],
  ])('guards each request by the address it arrived on: %s passes: %s', async (localAddress, passes) => {
    const hook = bearerAuthHook({ disabled: true });
    const answers: unknown[] = [];
    hook({ socket: { localAddress }, headers: { host: 'localhost:8000' } } as unknown as FastifyRequest, {} as FastifyReply, (error) => answers.push(error));
    // Answered once, in the same turn.
    expect(answers).toHaveLength(1);
    if (passes) {
      expect(answers[0]).toBeUndefined();
    } else {
      expect(answers[0]).toMatchObject({ code: 'http.forbidden', message: expect.stringContaining(`arrived on "${localAddress ?? ''}"`) });
    }
  });

  it.each(['0.0.0.0', '::', '192.168.1.10', 'tes.example.org', '128.0.0.1'])('is refused at creation for %s', (host) => {
    const error = creationError({ host, auth: { disabled: true } });
    expect(error.code).toBe('config.invalid');
    expect(error.path).toBe('auth.disabled');
    expect(error.message).toContain(`on ${JSON.stringify(host)}, which is not a loopback address`);
    expect(error.message).toMatch(/Give auth\.tokens, or listen on 127\.0\.0\.1, ::1 or localhost$/);
  });
});

describe('authentication options', () => {
  it.each<[string, Record<string, unknown>, string, RegExp]>([
    ['no auth at all', { host: '127.0.0.1' }, 'auth', /^auth is missing; authentication is on by default/],
    ['no tokens', { host: '127.0.0.1', auth: { tokens: [] } }, 'auth.tokens', /^auth\.tokens is empty; give at least one bearer token/],
    ['disabled: false without tokens', { host: '127.0.0.1', auth: { disabled: false } }, 'auth.tokens', /^auth\.tokens is missing;/],
    ['both tokens and disabled', { host: '127.0.0.1', auth: { tokens: [TEST_TOKEN], disabled: true } }, 'auth', /^auth has both credentials \(tokens or users\) and disabled: true/],
    ['an unknown key', { host: '127.0.0.1', auth: { token: TEST_TOKEN } }, 'auth', /^auth has the unknown key "token"; the known keys are tokens, principals, users, disabled$/],
  ])('refuses %s', (_label, options, path, message) => {
    const error = creationError(options);
    expect(error.path).toBe(path);
    expect(error.message).toMatch(message);
  });

  it.each([
    ['a short token', 'short-secret', /^auth\.tokens\.0 \(the token of principal "token-1"\) is 12 characters long, below the minimum of 16; generate one with `openssl rand -hex 32`$/],
    ['a token with a space', 'has a space in it 1234567', /^auth\.tokens\.0 \(the token of principal "token-1"\) holds characters a bearer token cannot carry/],
  ])('refuses %s without showing it', (_label, token, message) => {
    const error = creationError({ host: '127.0.0.1', auth: { tokens: [token] } });
    expect(error.path).toBe('auth.tokens.0');
    expect(error.message).toMatch(message);
    expect(error.message).not.toContain(token);
  });
});
