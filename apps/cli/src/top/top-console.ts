import { ExitCode } from '@capstan/support';
import { renderTop } from './render';
import { Screen } from './screen';
import { describe, type TopSource } from './top-source';
import { type Key, onKey, selectedTask, type TopView } from './top-view';

const LOG_LINES = 500;
const TICK_MS = 1_000;
const STOPPING_SIGNALS: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGHUP', 'SIGINT'];
/** How long quitting waits for the source's requests and event stream to end before it leaves them behind. */
const CLOSE_WAIT_MS = 2_000;

/**
 * The live console on a terminal until q, Ctrl-C or a stopping signal; the terminal is restored on each of those
 * and on a throw. Resolves with the exit code: 0 for q, 130 for Ctrl-C and signals.
 */
export async function runConsole(source: TopSource, input: NodeJS.ReadStream, output: NodeJS.WriteStream): Promise<number> {
  let finish: (code: number) => void = () => undefined;
  const finished = new Promise<number>((resolve) => (finish = resolve));
  let view: TopView = { source: source.label, tasks: [], filter: 'all', mode: 'list', width: 80, height: 24, now: Date.now() };
  let screen: Screen | undefined;

  const redraw = (): void => {
    if (screen === undefined) return;
    const { tasks, problem, paging } = source.snapshot();
    const { problem: _old, paging: _was, ...rest } = view;
    view = { ...rest, tasks, ...(problem === undefined ? {} : { problem }), ...(paging === undefined ? {} : { paging }), now: Date.now(), ...screen.size };
    screen.draw(renderTop(view));
  };
  const readLog = (): void => {
    const key = selectedTask(view)?.key;
    if (key === undefined) return;
    source.logTail(key, LOG_LINES).then(
      (lines) => {
        if (view.mode === 'log') view = { ...view, log: { key, lines } };
      },
      (error: unknown) => {
        if (view.mode === 'log') view = { ...view, log: { key, lines: [`could not read the log: ${describe(error)}`] } };
      },
    ).finally(redraw);
  };
  const cancel = (): void => {
    const task = selectedTask(view);
    if (task === undefined) return;
    source.cancel(task.key).then(
      (status) => (view = { ...view, status }),
      (error: unknown) => (view = { ...view, status: `cancel of ${task.name} failed: ${describe(error)}` }),
    ).finally(redraw);
  };
  let loading = false;
  const more = (): void => {
    if (loading || source.more === undefined) return;
    loading = true;
    const { filter } = view;
    const last = selectedTask(view)?.key;
    view = { ...view, status: 'loading more tasks...' };
    source.more((task) => filter === 'all' || task.group === filter).then(
      () => {
        redraw();
        const { status: _done, ...rest } = view;
        view = rest;
        // The scroll that asked for them goes on into them.
        if (selectedTask(view)?.key === last) view = onKey(view, { name: 'down' }).view;
      },
      (error: unknown) => (view = { ...view, status: `could not load more tasks: ${describe(error)}` }),
    ).finally(() => {
      loading = false;
      redraw();
    });
  };
  const onKeyPress = (key: Key): void => {
    const { view: next, effect } = onKey(view, key);
    view = next;
    if (effect === 'quit') finish(key.ctrl === true ? ExitCode.Canceled : ExitCode.Ok);
    else if (effect === 'open-log') readLog();
    else if (effect === 'cancel') cancel();
    else if (effect === 'more') more();
    else if (effect === 'rewind') source.rewind?.();
    redraw();
  };
  const onSignal = (): void => finish(ExitCode.Canceled);
  STOPPING_SIGNALS.forEach((signal) => process.on(signal, onSignal));
  let ticks = 0;
  const tick = setInterval(() => {
    ticks += 1;
    if (view.mode === 'log' && ticks % 2 === 0) readLog();
    redraw();
  }, TICK_MS);
  try {
    screen = Screen.open(input, output, onKeyPress, redraw);
    source.start(redraw);
    redraw();
    return await finished;
  } finally {
    clearInterval(tick);
    STOPPING_SIGNALS.forEach((signal) => process.off(signal, onSignal));
    screen?.restore();
    // Quitting never hangs on the network: a request or stream that has not ended by then is left to the exit.
    let waited: NodeJS.Timeout | undefined;
    await Promise.race([source.close(), new Promise((resolve) => (waited = setTimeout(resolve, CLOSE_WAIT_MS)))]);
    clearTimeout(waited);
  }
}
