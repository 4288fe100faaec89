import { TaskDispatcher } from './task-dispatcher';

/** A run per task id that ends when the test says so. */
function controllableRuns(): { started: string[]; aborted: string[]; end: (id: string, error?: Error) => void; run: (id: string, signal: AbortSignal) => Promise<void> } {
  const enders = new Map<string, (error?: Error) => void>();
  const started: string[] = [];
  const aborted: string[] = [];
  return {
    started,
    aborted,
    end: (id, error) => enders.get(id)?.(error),
    run: (id, signal) => {
      started.push(id);
      signal.addEventListener('abort', () => aborted.push(id));
      return new Promise<void>((resolve, reject) => enders.set(id, (error) => (error === undefined ? resolve() : reject(error))));
    },
  };
}

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('TaskDispatcher', () => {
  it('never runs more than maxRunningTasks under a flood, and starts the next in order as one ends', async () => {
    const runs = controllableRuns();
    const dispatcher = new TaskDispatcher({ maxRunningTasks: 2, paused: false }, runs.run, () => undefined);
    for (let index = 0; index < 50; index += 1) dispatcher.enqueue(`t${index}`);
    dispatcher.enqueue('t0'); // already running: not queued twice
    expect(runs.started).toEqual(['t0', 't1']);
    runs.end('t1');
    await settle();
    expect(runs.started).toEqual(['t0', 't1', 't2']);
  });

  it('cancels a running task through its signal, and takes a queued one off the queue', async () => {
    const runs = controllableRuns();
    const dispatcher = new TaskDispatcher({ maxRunningTasks: 1, paused: false }, runs.run, () => undefined);
    dispatcher.enqueue('a');
    dispatcher.enqueue('b');
    dispatcher.enqueue('c');
    expect(dispatcher.cancel('a')).toBe(true);
    expect(runs.aborted).toEqual(['a']);
    expect(dispatcher.cancel('b')).toBe(false);
    runs.end('a');
    await settle();
    expect(runs.started).toEqual(['a', 'c']);
  });

  it('hands a run that throws to endUnexpectedly, and goes on with the queue', async () => {
    const runs = controllableRuns();
    const ended: Array<[string, unknown]> = [];
    const dispatcher = new TaskDispatcher({ maxRunningTasks: 1, paused: false }, runs.run, (id, error) => ended.push([id, error]));
    dispatcher.enqueue('a');
    dispatcher.enqueue('b');
    const failure = new Error('defect');
    runs.end('a', failure);
    await settle();
    expect(ended).toEqual([['a', failure]]);
    expect(runs.started).toEqual(['a', 'b']);
  });

  it('starts nothing while paused or once closed; idle waits for what runs', async () => {
    const runs = controllableRuns();
    const paused = new TaskDispatcher({ maxRunningTasks: 4, paused: true }, runs.run, () => undefined);
    paused.enqueue('p');
    expect(runs.started).toEqual([]);
    const dispatcher = new TaskDispatcher({ maxRunningTasks: 1, paused: false }, runs.run, () => undefined);
    dispatcher.enqueue('a');
    dispatcher.enqueue('b');
    dispatcher.close();
    dispatcher.enqueue('c');
    let idle = false;
    const waiting = dispatcher.idle().then(() => (idle = true));
    await settle();
    expect(idle).toBe(false);
    runs.end('a');
    await waiting;
    expect(runs.started).toEqual(['a']);
  });
});
