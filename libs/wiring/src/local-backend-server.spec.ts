import { SseReader } from '@capstan/support/testing';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningTesServer, startTesServer } from './tes-server';

// `capstan serve --backend local --run-client-commands-on-host` as an operator starts it (the serve command's own
// function, real HTTP, real processes): its tasks must go RUNNING while their commands run, as on a container backend.
// The local backend once never reported its commands' start, so a task stayed INITIALIZING until it ended.
jest.setTimeout(60_000);

const quiet = { write: (): boolean => true };
const ENDED = ['COMPLETE', 'EXECUTOR_ERROR', 'SYSTEM_ERROR', 'CANCELED'];

interface ExecutorLog {
  readonly start_time?: string;
  readonly end_time?: string;
  readonly exit_code?: number;
}
interface TaskView {
  readonly state: string;
  readonly logs?: ReadonlyArray<{ readonly logs?: readonly ExecutorLog[] }>;
}
interface StreamData {
  readonly taskId: string;
  readonly state?: string;
  readonly executor?: number;
}

describe('the TES server on the local backend reports RUNNING while a command runs', () => {
  let dir: string;
  let server: RunningTesServer;
  let stream: SseReader;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'capstan-localinit-serve-'));
    const flags = { backend: 'local', 'api.runClientCommandsOnHost': true, 'api.dataDir': join(dir, 'data'), 'api.port': 0, 'api.host': '127.0.0.1', 'api.auth.disabled': true };
    server = await startTesServer({ flags, cwd: dir, logStream: quiet });
    const opened = await SseReader.open(`${server.url}/events`);
    if (opened.refusal !== undefined) throw new Error(`the event stream was refused: ${JSON.stringify(opened.refusal)}`);
    stream = opened.reader;
  });
  afterAll(async () => {
    stream?.close();
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function create(...commands: string[]): Promise<string> {
    const executors = commands.map((command) => ({ image: 'capstan-test/busybox:1', command: ['sh', '-c', command] }));
    const response = await fetch(`${server.url}/tasks`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ executors }) });
    expect(response.status).toBe(200);
    return ((await response.json()) as { id: string }).id;
  }
  const view = async (id: string): Promise<TaskView> => (await (await fetch(`${server.url}/tasks/${id}?view=FULL`)).json()) as TaskView;
  const executorLogs = (task: TaskView): readonly ExecutorLog[] => task.logs?.at(-1)?.logs ?? [];
  /** The task's states and executor starts and ends on the stream, as `state:STATE` and `executor-started:INDEX`, in order. */
  const ofTask = (id: string): string[] =>
    stream.events.flatMap((event) => {
      const data = JSON.parse(event.data) as StreamData;
      if (data.taskId !== id || !['state', 'executor-started', 'executor-ended'].includes(event.event)) return [];
      return [`${event.event}:${data.state ?? data.executor}`];
    });
  const ended = (id: string) => stream.until(() => ofTask(id).some((kind) => ENDED.some((state) => kind === `state:${state}`)), 30_000, `task ${id} ended`);

  it('a task running `sleep 5` is RUNNING with its executor start time while it runs, and the stream says the executor started', async () => {
    const created = Date.now();
    const id = await create('sleep 5');
    await stream.until(() => ofTask(id).includes('executor-started:0'), 4_000, 'executor-started within 4 s of the create');
    const running = await view(id);
    expect(Date.now() - created).toBeLessThan(4_500);
    expect(running.state).toBe('RUNNING');
    const [log] = executorLogs(running);
    expect(log?.start_time).toBeDefined();
    expect(log?.end_time).toBeUndefined();
    expect(Date.parse(log?.start_time ?? '')).toBeGreaterThanOrEqual(created - 1_000);
    await ended(id);
    expect(ofTask(id)).toEqual(['state:INITIALIZING', 'state:RUNNING', 'executor-started:0', 'executor-ended:0', 'state:COMPLETE']);
    const [done] = executorLogs(await view(id));
    expect(Date.parse(done?.end_time ?? '') - Date.parse(done?.start_time ?? '')).toBeGreaterThanOrEqual(4_500);
  });

  it('a task of three executors shows each one start, in order, after the previous one ended', async () => {
    const id = await create('sleep 1', 'sleep 1', 'true');
    await ended(id);
    expect(ofTask(id)).toEqual([
      'state:INITIALIZING',
      'state:RUNNING',
      ...[0, 1, 2].flatMap((index) => [`executor-started:${index}`, `executor-ended:${index}`]),
      'state:COMPLETE',
    ]);
    const logs = executorLogs(await view(id));
    expect(logs).toHaveLength(3);
    for (const [index, log] of logs.entries()) {
      expect(log.start_time).toBeDefined();
      if (index > 0) expect(Date.parse(log.start_time ?? '')).toBeGreaterThanOrEqual(Date.parse(logs[index - 1]?.end_time ?? ''));
    }
  });

  it('fault: an executor that fails at once was still started, and the executor after it never starts', async () => {
    const id = await create('exit 3', 'sleep 30');
    await ended(id);
    expect(ofTask(id)).toEqual(['state:INITIALIZING', 'state:RUNNING', 'executor-started:0', 'executor-ended:0', 'state:EXECUTOR_ERROR']);
    expect(executorLogs(await view(id)).map((log) => log.exit_code)).toEqual([3]);
  });

  it('hostile: an executor that kills its own shell the moment it starts is reported started and ended, not left INITIALIZING', async () => {
    const id = await create('kill -9 $$');
    await ended(id);
    expect(ofTask(id)).toEqual(['state:INITIALIZING', 'state:RUNNING', 'executor-started:0', 'executor-ended:0', 'state:EXECUTOR_ERROR']);
    expect((await view(id)).state).toBe('EXECUTOR_ERROR');
  });
});
