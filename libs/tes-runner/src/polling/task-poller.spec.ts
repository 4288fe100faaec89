import { type RecordedRequest } from '../testing/fake-tes-server';
import { Harness } from '../testing/harness';

let harness: Harness | undefined;

afterEach(async () => {
  await harness?.dispose();
  harness = undefined;
});

/**
 * Runs `count` attempts at once. The server keeps them RUNNING until it has answered three list calls after the last
 * task was created, then completes them all. Returns the list calls made from the last create on, and the other
 * requests per kind.
 */
async function listCallsFor(count: number): Promise<{ lists: RecordedRequest[]; gets: RecordedRequest[]; creates: number }> {
  harness = await Harness.start();
  const { server } = harness;
  let created = 0;
  let listsBefore = 0;
  server.onCreate = () => {
    created += 1;
    if (created === count) listsBefore = server.count('list');
  };
  server.drive(() => (created === count && server.count('list') - listsBefore >= 3 ? { state: 'COMPLETE', exitCode: 0 } : undefined));
  const backend = harness.backend();
  const requests = await Promise.all(Array.from({ length: count }, (_, index) => harness?.request(`run-${index}`)));
  const results = await Promise.all(requests.map((request) => (harness as Harness).execute(backend, request as NonNullable<typeof request>).result));
  expect(results.map((result) => result.endReason)).toEqual(Array(count).fill('exited'));
  await backend.poller?.idle();
  const lists = server.requests.filter((request) => request.kind === 'list').slice(listsBefore);
  return { lists, gets: server.requests.filter((request) => request.kind === 'get'), creates: server.count('create') };
}

describe('TaskPoller', () => {
  it('makes as many list calls for 20 concurrent tasks as for one, and reads each task by id only once, at its end', async () => {
    const one = await listCallsFor(1);
    await harness?.dispose();
    const twenty = await listCallsFor(20);

    // Three polls see the tasks running, the fourth sees them all complete; then the poller stops.
    expect(one.lists).toHaveLength(4);
    expect(twenty.lists).toHaveLength(4);
    expect(twenty.lists.every((list) => list.query.get('page_token') === null)).toBe(true);
    expect(twenty.creates).toBe(20);
    expect(twenty.gets).toHaveLength(20);
    expect(twenty.gets.every((get) => get.query.get('view') === 'FULL')).toBe(true);
  });

  it('follows next_page_token within one poll until every task in flight is seen', async () => {
    harness = await Harness.start();
    const { server } = harness;
    let created = 0;
    server.onCreate = () => {
      created += 1;
    };
    // Tasks end only after a poll has had to read all three pages.
    server.drive(() => (created === 5 && server.requests.some((r) => r.kind === 'list' && r.query.get('page_token') !== null) ? { state: 'COMPLETE', exitCode: 0 } : undefined));
    const backend = harness.backend({ pageSize: 2 });
    const requests = [];
    for (let index = 0; index < 5; index += 1) requests.push(await harness.request(`run-${index}`));
    const results = await Promise.all(requests.map((request) => (harness as Harness).execute(backend, request).result));
    expect(results.map((result) => result.exitCode)).toEqual([0, 0, 0, 0, 0]);
    const lists = server.requests.filter((r) => r.kind === 'list');
    const polls = lists.filter((r) => r.query.get('page_token') === null).length;
    expect(lists.every((r) => r.query.get('page_size') === '2')).toBe(true);
    expect(lists.length).toBeGreaterThan(polls);
    expect(lists.length).toBeLessThanOrEqual(polls * 3);
  });

  it('reads no further page once the tasks in flight are seen (finished tasks of the instance cost nothing)', async () => {
    harness = await Harness.start();
    const { server } = harness;
    server.drive(() => ({ state: 'COMPLETE', exitCode: 0 }));
    const backend = harness.backend({ pageSize: 2 });
    for (let index = 0; index < 4; index += 1) await harness.execute(backend, await harness.request(`old-${index}`)).result;
    const before = server.count('list');
    let polls = 0;
    server.drive(() => (++polls >= 3 ? { state: 'COMPLETE', exitCode: 0 } : undefined));
    await harness.execute(backend, await harness.request('new')).result;
    const lists = server.requests.filter((r) => r.kind === 'list').slice(before);
    expect(lists.length).toBeGreaterThanOrEqual(3);
    expect(lists.filter((r) => r.query.get('page_token') !== null)).toEqual([]);
  });
});
