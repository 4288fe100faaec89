import { SseReader } from '@capstan/support/testing';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApps, type RunningApi, startApi, stopApi, until } from './testing/api-harness';

// The live event stream, the usage metadata and /metrics of `capstan serve` with tasks running on Docker: a principal's
// stream shows its task's states in order with its usage and never another's, a reconnect resumes, a stop ends the
// stream with a shutdown event and a restarted server tells an old id's client what it missed.
jest.setTimeout(300_000);

const IMAGE = 'capstan-test/busybox:1';
const ALICE = 'alice-sse-token-0f3b6a91c7d24e58';
const BOB = 'bob-sse-token-7c1e2d94b0a84f36a';
const EVENTS = '/events';
// About 2 s of CPU, then a pause: usage readings every 0.5 s see it run.
// Long enough for a stats reading to complete on a loaded machine (Docker's first takes a second or more): a usage
// event is then certain, not a race with the task's end.
const BUSY = 'i=0; while [ $i -lt 400000 ]; do i=$((i+1)); done; sleep 4; echo done';

let folder: string;
let tokens: string;
let api: RunningApi | undefined;

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'capstan-sse-events-'));
  tokens = join(folder, 'tokens.yaml');
  await writeFile(tokens, `- { name: alice, token: ${ALICE} }\n- { name: bob, token: ${BOB} }\n`);
  await chmod(tokens, 0o600);
  await buildApps();
});

afterAll(async () => {
  if (api !== undefined) await stopApi(api);
  await rm(folder, { recursive: true, force: true });
});

function serve(): Promise<RunningApi> {
  return startApi(['--backend', 'docker', '--data-dir', join(folder, 'data'), '--token-file', tokens], {
    env: { ...process.env, CAPSTAN_USAGE_INTERVAL_SECONDS: '0.5', CAPSTAN_API__EVENTS__HEARTBEAT_SECONDS: '1' },
  });
}

async function stream(url: string, token: string, lastId?: string): Promise<SseReader> {
  const { reader, refusal } = await SseReader.open(`${url}${EVENTS}`, { authorization: `Bearer ${token}`, ...(lastId === undefined ? {} : { 'last-event-id': lastId }) });
  if (refusal !== undefined) throw new Error(`refused: ${JSON.stringify(refusal)}`);
  return reader;
}

async function create(server: RunningApi, token: string, name: string): Promise<string> {
  const answer = await server.call('/tasks', { token, body: { name, executors: [{ image: IMAGE, command: ['sh', '-c', BUSY] }] } });
  expect(answer.status).toBe(200);
  return (answer.body as { id: string }).id;
}

const ofTask = (reader: SseReader, id: string) => reader.events.filter((event) => (JSON.parse(event.data) as { taskId?: string }).taskId === id);
const statesOf = (reader: SseReader, id: string) => ofTask(reader, id).filter((event) => event.event === 'state').map((event) => (JSON.parse(event.data) as { state: string }).state);

describe('capstan serve: live events, usage metadata and metrics with tasks on Docker', () => {
  it("streams each principal's task events in order with usage, resumes after Last-Event-ID, writes usage metadata and metrics, and ends streams at a stop", async () => {
    api = await serve();
    const server = api;
    const base = server.url.replace(/\/ga4gh\/tes\/v1$/, '');
    const tes = server.url;
    const aliceStream = await stream(tes, ALICE);
    const bobStream = await stream(tes, BOB);
    const aliceTask = await create(server, ALICE, 'sse-alice');
    const bobTask = await create(server, BOB, 'sse-bob');
    await aliceStream.until((read) => statesOf(read, aliceTask).includes('COMPLETE'), 120_000, "alice's task COMPLETE");
    await bobStream.until((read) => statesOf(read, bobTask).includes('COMPLETE'), 120_000, "bob's task COMPLETE");

    // States in order, the executor's start before its end, usage readings between; no event of the other's task.
    expect(statesOf(aliceStream, aliceTask)).toEqual(['INITIALIZING', 'RUNNING', 'COMPLETE']);
    const kinds = ofTask(aliceStream, aliceTask).map((event) => event.event);
    // The creation comes first, with what a task list shows; bob's stream has his own creation, not alice's.
    expect(kinds[0]).toBe('created');
    expect(aliceStream.data('created')).toEqual([{ id: ofTask(aliceStream, aliceTask)[0]?.id, time: expect.any(String), taskId: aliceTask, state: 'QUEUED', creationTime: expect.any(String), name: 'sse-alice', tags: {} }]);
    expect(bobStream.data('created').map((data) => data['taskId'])).toEqual([bobTask]);
    expect(kinds.indexOf('executor-started')).toBeLessThan(kinds.indexOf('executor-ended'));
    const usage = aliceStream.data<{ taskId: string; cpuSeconds?: number; memoryBytes?: number }>('usage').filter((data) => data.taskId === aliceTask);
    expect(usage.length).toBeGreaterThanOrEqual(1);
    expect(Math.max(...usage.map((data) => data.cpuSeconds ?? 0))).toBeGreaterThan(0.2);
    expect(aliceStream.data<{ exitCode: number }>('executor-ended')[0]).toMatchObject({ exitCode: 0 });
    expect(ofTask(aliceStream, bobTask)).toEqual([]);
    expect(ofTask(bobStream, aliceTask)).toEqual([]);
    expect(aliceStream.events.every((event) => [aliceTask].includes((JSON.parse(event.data) as { taskId: string }).taskId))).toBe(true);
    expect(aliceStream.comments.some((comment) => comment.startsWith('heartbeat'))).toBe(true);

    // A reconnect after the first event gets every later one, the same and in the same order.
    const firstId = ofTask(aliceStream, aliceTask)[0]?.id;
    const resumed = await stream(tes, ALICE, firstId);
    const expected = aliceStream.events.slice(1).map((event) => event.id);
    await resumed.until((read) => read.events.length >= expected.length, 10_000, 'the events after the first');
    resumed.close();
    expect(resumed.events.map((event) => event.id)).toEqual(expected);

    // Usage in the task log's metadata (FULL and BASIC views).
    const task = await server.call(`/tasks/${aliceTask}?view=BASIC`, { token: ALICE });
    const metadata = (task.body as { logs: Array<{ metadata?: Record<string, string> }> }).logs[0]?.metadata ?? {};
    expect(Number(metadata['capstan.usage.peak_memory_bytes'])).toBeGreaterThan(0);
    expect(Number(metadata['capstan.usage.cpu_seconds'])).toBeGreaterThan(0.2);
    expect(metadata['capstan.usage.executor.0.cpu_seconds']).toBe(metadata['capstan.usage.cpu_seconds']);

    // /metrics: tasks by state, queue wait and usage histograms; still protected. The usage histograms count the tasks
    // whose metadata has usage: alice's always (checked above), bob's when a reading landed before its container
    // ended (on a loaded daemon a stats call can take longer than the task has left, and then there are no figures).
    const bobView = await server.call(`/tasks/${bobTask}?view=BASIC`, { token: BOB });
    const bobMetadata = (bobView.body as { logs: Array<{ metadata?: Record<string, string> }> }).logs[0]?.metadata ?? {};
    const withUsage = [metadata, bobMetadata].filter((each) => each['capstan.usage.cpu_seconds'] !== undefined);
    expect((await fetch(`${base}/metrics`)).status).toBe(401);
    const metrics = await (await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${ALICE}` } })).text();
    expect(metrics).toContain('capstan_tes_tasks{state="COMPLETE"} 2');
    expect(metrics).toContain('capstan_tes_task_queue_wait_seconds_count 2');
    expect(metrics).toContain(`capstan_tes_task_peak_memory_bytes_count ${withUsage.length}`);
    expect(metrics).toContain(`capstan_tes_task_cpu_seconds_count ${withUsage.length}`);
    expect(metrics).toContain('capstan_tes_event_streams 2');
    const cpuSum = Number(/^capstan_tes_task_cpu_seconds_sum (\S+)$/m.exec(metrics)?.[1]);
    const cpuOfTasks = withUsage.reduce((sum, each) => sum + Number(each['capstan.usage.cpu_seconds']), 0);
    expect(cpuSum).toBeCloseTo(cpuOfTasks, 2);

    // A stop ends the open streams with a last event; the next process tells an old id what it missed.
    const lastId = aliceStream.events.at(-1)?.id;
    await stopApi(server);
    await until(() => (aliceStream.ended && bobStream.ended ? true : undefined), 10_000, 'both streams ended');
    expect(aliceStream.data('shutdown')[0]?.['reason']).toContain('shutting down');
    expect(bobStream.events.at(-1)?.event).toBe('shutdown');
    api = await serve();
    const after = await stream(api.url, ALICE, lastId);
    await after.until((read) => read.events.length >= 1, 10_000, 'a gap event');
    after.close();
    expect(after.events[0]?.event).toBe('gap');
    expect(after.data('gap')[0]?.['reason']).toContain('earlier server process');
  });
});
