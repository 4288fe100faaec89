import { SseReader } from '@capstan/support/testing';
import { CREATED_DETAILS_MAX_BYTES } from '../service/task-created';
import { type RunningTesServer, OTHER_TOKEN, startTesServer, TEST_TOKEN } from './testing/running-tes-server';

// The stream's `created` event over a real fastify server (the fake service announces each task it stores, as the
// engine's does): who sees a creation, what it carries, and what a hostile or refused create sends. The same over
// real Docker tasks, with the creation before the task's states: apps/api's events.spec.ts.
const EVENTS = '/ga4gh/tes/v1/events';
const ADMIN = 'admin-token-4c8e1f0b9d2a47e6a3';

let server: RunningTesServer;

jest.setTimeout(30_000);

afterEach(async () => {
  await server.close();
});

async function open(token: string): Promise<SseReader> {
  const { reader, refusal } = await SseReader.open(`${server.base}${EVENTS}`, { authorization: `Bearer ${token}` });
  if (refusal !== undefined) throw new Error(`refused: ${JSON.stringify(refusal)}`);
  return reader;
}

async function createAs(token: string, task: Record<string, unknown>): Promise<Response> {
  return server.call('/ga4gh/tes/v1/tasks', { method: 'POST', body: JSON.stringify(task), headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } });
}

async function idOf(answer: Response): Promise<string> {
  expect(answer.status).toBe(200);
  return ((await answer.json()) as { id: string }).id;
}

const task = (name: string, tags: Record<string, string> = {}) => ({ name, tags, executors: [{ image: 'alpine', command: ['true'] }] });

describe('the created event of GET /ga4gh/tes/v1/events', () => {
  it("shows a creation to its owner and an admin with the list's fields, never to another principal (hostile)", async () => {
    server = await startTesServer({ auth: { tokens: [TEST_TOKEN, OTHER_TOKEN], principals: [{ name: 'ops', token: ADMIN, admin: true }] } });
    const mine = await open(TEST_TOKEN);
    const theirs = await open(OTHER_TOKEN);
    const admin = await open(ADMIN);
    const myTask = await idOf(await createAs(TEST_TOKEN, task('mine', { project: 'x' })));
    const theirTask = await idOf(await createAs(OTHER_TOKEN, task('theirs')));
    // Each stream has seen the later creation it may see, so an earlier one it should not see would be there by now.
    await theirs.until((read) => read.events.length === 1);
    await mine.until((read) => read.events.length === 1);
    await admin.until((read) => read.events.length === 2);
    for (const reader of [mine, theirs, admin]) reader.close();

    expect(mine.events.map((event) => event.event)).toEqual(['created']);
    const created = mine.data('created')[0] ?? {};
    expect(created).toEqual({ id: mine.events[0]?.id, time: expect.any(String), taskId: myTask, state: 'QUEUED', creationTime: expect.any(String), name: 'mine', tags: { project: 'x' } });
    expect(server.service.tasks.get(myTask)?.creation_time).toBe(created['creationTime']);
    expect(theirs.data('created').map((data) => data['taskId'])).toEqual([theirTask]);
    expect(JSON.stringify(theirs.events)).not.toContain(myTask);
    expect(admin.data('created').map((data) => data['taskId'])).toEqual([myTask, theirTask]);
    // Who owns a task decides who sees the event; it is not sent, not even to an admin.
    expect(JSON.stringify(admin.events)).not.toMatch(/owner|test-token|token-1|token-2/);
  });

  it('leaves out name and tags too large to keep, and a name cannot forge a frame (hostile)', async () => {
    server = await startTesServer();
    const reader = await open(TEST_TOKEN);
    const big = await idOf(await createAs(TEST_TOKEN, task('big', { blob: 'x'.repeat(CREATED_DETAILS_MAX_BYTES) })));
    const forged = await idOf(await createAs(TEST_TOKEN, task('a\n\nevent: state\ndata: {"state":"COMPLETE"}\n\n')));
    await reader.until((read) => read.events.length === 2);
    reader.close();

    expect(reader.events.map((event) => event.event)).toEqual(['created', 'created']);
    const [bigData, forgedData] = reader.data('created');
    expect(bigData).toEqual({ id: expect.any(String), time: expect.any(String), taskId: big, state: 'QUEUED', creationTime: expect.any(String), partial: true });
    expect(reader.events[0]?.data.length).toBeLessThan(300);
    expect(forgedData).toMatchObject({ taskId: forged, name: 'a\n\nevent: state\ndata: {"state":"COMPLETE"}\n\n' });
  });

  it('sends nothing for a refused create, nor for one the service failed to store (fault)', async () => {
    server = await startTesServer();
    const reader = await open(TEST_TOKEN);
    expect((await createAs(TEST_TOKEN, { name: 'no executors' })).status).toBe(400);
    server.service.failure = new Error('the store is gone');
    expect((await createAs(TEST_TOKEN, task('lost'))).status).toBe(500);
    server.service.failure = undefined;
    const kept = await idOf(await createAs(TEST_TOKEN, task('kept')));
    await reader.until((read) => read.events.length === 1);
    reader.close();
    expect(reader.data('created').map((data) => [data['taskId'], data['name']])).toEqual([[kept, 'kept']]);
  });
});
