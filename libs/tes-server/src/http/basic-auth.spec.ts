import { type CapstanError } from '@capstan/core-constraints';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { BasicUsers, hashPassword, HASH_FIX } from './basic-users';
import { createTesHttpServer } from './create-tes-http-server';
import { type TesErrorBody } from './http-error-body';
import { captureCapstanError } from './testing/capture-capstan-error';
import { FakeTesService } from './testing/fake-tes-service';
import { CollectedLog, type RunningTesServer, startTesServer, TEST_TOKEN } from './testing/running-tes-server';

const TASKS = '/ga4gh/tes/v1/tasks';
const PASSWORD = 'correct horse: battery staple';
const task = { executors: [{ image: 'alpine', command: ['true'] }] };

function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;
}

function creationError(auth: Record<string, unknown>): CapstanError {
  return captureCapstanError(() => createTesHttpServer(new FakeTesService(), { host: '127.0.0.1', auth, logStream: new CollectedLog() } as never), 'createTesHttpServer');
}

describe('basic authentication beside bearer tokens', () => {
  let server: RunningTesServer;
  let aliceHash: string;

  beforeAll(async () => {
    aliceHash = await hashPassword(PASSWORD, 1024);
  });

  beforeEach(async () => {
    server = await startTesServer({ auth: { principals: [{ name: 'bob', token: TEST_TOKEN }], users: [{ name: 'alice', passwordHash: aliceHash }] }, rateLimit: { max: 4, windowSeconds: 30 } });
  });

  afterEach(() => server.close());

  const send = (authorization: string | undefined, init: RequestInit = {}): Promise<Response> =>
    fetch(`${server.base}${TASKS}`, { ...init, headers: { ...(authorization === undefined ? {} : { authorization }), 'content-type': 'application/json' } });

  it('accepts a user\'s password (a colon in it too) as that user\'s principal, the same principal model as tokens', async () => {
    const created = await send(basic('alice', PASSWORD), { method: 'POST', body: JSON.stringify(task) });
    expect(created.status).toBe(200);
    const { id } = (await created.json()) as { id: string };
    expect(server.service.owners.get(id)).toBe('alice');
    expect(server.service.callers.at(-1)).toEqual({ name: 'alice', admin: false });
    // bob, by token, does not see alice's task; alice sees it again on a later request (the verified-pair cache).
    expect((await fetch(`${server.base}${TASKS}/${id}`, { headers: { authorization: `Bearer ${TEST_TOKEN}` } })).status).toBe(404);
    expect((await fetch(`${server.base}${TASKS}/${id}`, { headers: { authorization: basic('alice', PASSWORD) } })).status).toBe(200);
  });

  it('the OpenAPI document offers both schemes, either one enough', async () => {
    const document = (await (await fetch(`${server.base}/ga4gh/tes/v1/openapi.json`)).json()) as { components: { securitySchemes: unknown }; paths: Record<string, Record<string, { security?: unknown }>> };
    expect(document.components.securitySchemes).toEqual({ bearerAuth: expect.objectContaining({ scheme: 'bearer' }), basicAuth: expect.objectContaining({ type: 'http', scheme: 'basic' }) });
    expect(document.paths['/tasks']?.['post']?.security).toEqual([{ bearerAuth: [] }, { basicAuth: [] }]);
  });

  it('offers both schemes in the challenge', async () => {
    const answer = await send(undefined);
    expect(answer.status).toBe(401);
    expect(answer.headers.get('www-authenticate')).toBe('Bearer realm="capstan-tes", Basic realm="capstan-tes", charset="UTF-8"');
    expect(((await answer.json()) as TesErrorBody).message).toContain('Authorization: Basic');
  });

  it('hostile: a wrong password and an unknown user get the same 401, saying neither which part was wrong', async () => {
    const answers = await Promise.all([basic('alice', `${PASSWORD}x`), basic('mallory', PASSWORD), basic('alice', ''), basic('', PASSWORD), basic('bob', TEST_TOKEN)].map((header) => send(header)));
    const bodies = await Promise.all(answers.map(async (answer) => ({ status: answer.status, challenge: answer.headers.get('www-authenticate'), body: await answer.text() })));
    expect(new Set(bodies.map((body) => JSON.stringify(body))).size).toBe(1);
    expect(bodies[0]?.status).toBe(401);
    expect(bodies[0]?.body).not.toMatch(/password is|user is|unknown user|no such user|mallory/i);
    expect(server.log.text).not.toContain(PASSWORD);
  });

  it.each([
    ['no colon', `Basic ${Buffer.from('alice').toString('base64')}`],
    ['not base64', 'Basic !!!'],
    ['a bearer token sent as Basic', `Basic ${TEST_TOKEN}`],
    ['a huge password', basic('alice', 'x'.repeat(6000))],
  ])('hostile: %s is a 401', async (_label, header) => {
    expect((await send(header)).status).toBe(401);
  });

  it('hostile: many wrong passwords at once get 401s or 429s with Retry-After, never a 500, and alice still signs in', async () => {
    const answers = await Promise.all(Array.from({ length: 300 }, (_, index) => send(basic('alice', `guess-${index}`))));
    const statuses = new Set(answers.map((answer) => answer.status));
    expect([...statuses].every((status) => status === 401 || status === 429)).toBe(true);
    const busy = answers.find((answer) => answer.status === 429);
    if (busy !== undefined) expect(busy.headers.get('retry-after')).toBe('1');
    expect((await send(basic('alice', PASSWORD))).status).toBe(200);
  });

  it('rate-limits a Basic principal like a token\'s: its own allowance, 429 past it', async () => {
    const statuses: number[] = [];
    for (let index = 0; index < 5; index += 1) statuses.push((await send(basic('alice', PASSWORD))).status);
    expect(statuses).toEqual([200, 200, 200, 200, 429]);
    expect((await send(`Bearer ${TEST_TOKEN}`)).status).toBe(200);
  });
});

describe('BasicUsers', () => {
  it('fault: a flood of wrong passwords runs at most `concurrent` checks at once and answers busy past `waiting`', async () => {
    const users = new BasicUsers([{ name: 'alice', admin: false, passwordHash: await hashPassword(PASSWORD, 1024) }], { concurrent: 1, waiting: 2 });
    const results = await Promise.all(Array.from({ length: 6 }, (_, index) => users.find('alice', `wrong-${index}`)));
    expect(results).toEqual([undefined, undefined, undefined, 'busy', 'busy', 'busy']);
    // The queue drained: a right pair is checked again, not refused as busy.
    expect(await users.find('alice', PASSWORD)).toEqual({ name: 'alice', admin: false });
  });

  it('fault: an unknown user costs a scrypt like a wrong password (the time does not say whether the user exists)', async () => {
    const users = new BasicUsers([{ name: 'alice', admin: false, passwordHash: await hashPassword(PASSWORD, 16_384) }]);
    const timed = async (user: string): Promise<number> => {
      const started = process.hrtime.bigint();
      expect(await users.find(user, 'wrong')).toBeUndefined();
      return Number(process.hrtime.bigint() - started) / 1e6;
    };
    const median = async (user: string): Promise<number> => [await timed(user), await timed(user), await timed(user)].sort((a, b) => a - b)[1] ?? 0;
    const wrongPassword = await median('alice');
    const unknownUser = await median('nobody');
    expect(wrongPassword).toBeGreaterThan(5);
    expect(unknownUser).toBeGreaterThan(wrongPassword * 0.3);
  });
});

describe('auth.users in the options', () => {
  it.each([
    ['a plain-text password', [{ name: 'alice', passwordHash: 'hunter2-plain' }], 'auth.users.0.passwordHash', 'is not a scrypt hash'],
    ['a cheap hash', [{ name: 'alice', passwordHash: 'scrypt$16$8$1$c2FsdHNhbHQ=$a2V5a2V5a2V5a2V5a2V5a2V5' }], 'auth.users.0.passwordHash', 'below the minimum of 1024'],
    ['a hash that needs gigabytes', [{ name: 'alice', passwordHash: 'scrypt$16777216$8$1$c2FsdHNhbHQ=$a2V5a2V5a2V5a2V5a2V5a2V5' }], 'auth.users.0.passwordHash', 'above the maximum'],
    ['an unknown key', [{ name: 'alice', passwordHash: 'scrypt$16384$8$1$mwyvZOi0D7w9pKBWO3zbtQ==$wbdwdrXStB8CTe+/rDYFY1M31vAZXpDC/9v1Oe5u/+o=', password: 'hunter2' }], 'auth.users.0', 'name, passwordHash, admin'],
  ])('refuses %s, naming the field, never the value', (_label, users, path, text) => {
    const error = creationError({ users });
    expect(error.path).toBe(path);
    expect(error.message).toContain(text);
    expect(error.message).not.toContain('hunter2');
  });

  it('refuses a user named like a token\'s principal (one principal, one name)', async () => {
    const error = creationError({ principals: [{ name: 'alice', token: TEST_TOKEN }], users: [{ name: 'alice', passwordHash: await hashPassword('pw', 1024) }] });
    expect(error.path).toBe('auth.users.0.name');
  });

  it('serves with users alone (no token), and the fix for a bad hash prints a usable one', async () => {
    const server = await startTesServer({ auth: { users: [{ name: 'carol', passwordHash: await hashPassword('pw', 1024) }] } });
    try {
      expect((await fetch(`${server.base}${TASKS}`, { headers: { authorization: basic('carol', 'pw') } })).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('the command the refusal suggests prints a hash the server accepts for that password', async () => {
    const command = HASH_FIX.replace(/^make one with: /, '').replace('<password>', `${PASSWORD.replace(/'/g, '')}`);
    const { stdout } = await promisify(execFile)('sh', ['-c', command]);
    const users = new BasicUsers([{ name: 'alice', admin: false, passwordHash: stdout.trim() }]);
    expect(await users.find('alice', PASSWORD)).toEqual({ name: 'alice', admin: false });
    expect(await users.find('alice', 'other')).toBeUndefined();
  });
});
