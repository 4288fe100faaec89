import { type Backend, type BackendEvent, type ExecutionRequest } from '@capstan/core-constraints';
import { type BackendTestRun, type RunOutcome } from './backend-test-run';
import { type SocketProxy } from './socket-proxy';

export interface AttemptWatch {
  /** Pass it as the event listener of `execute`. */
  readonly onEvent: (event: BackendEvent) => void;
  /** Resolves with the container's id once it started and printed `marker`. */
  readonly started: Promise<string>;
}

/** For fault tests that strike mid-task: resolves once the attempt's container runs and has printed `marker`. */
export function watchAttempt(marker = 'running'): AttemptWatch {
  let id = '';
  let printed = false;
  let resolveStarted: (value: string) => void = () => undefined;
  const started = new Promise<string>((resolve) => (resolveStarted = resolve));
  return {
    started,
    // Output can arrive before the start call's answer: both are awaited.
    onEvent: (event) => {
      if (event.type === 'started') id = event.id;
      if (event.type === 'log' && event.text.includes(marker)) printed = true;
      if (id !== '' && printed) resolveStarted(id);
    },
  };
}

/** Polls `condition` until it holds, failing after `timeoutMs` with `what` in the message. */
export async function eventually(condition: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what} not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

export interface LongTask {
  readonly request: ExecutionRequest;
  /** The container's id, once it runs. */
  readonly id: string;
  readonly outcome: Promise<RunOutcome>;
}

/** Starts a task that prints `running` and sleeps a minute, and resolves once its container runs: a fault strikes next. */
export async function startLongTask(run: BackendTestRun, backend: Backend, signal?: AbortSignal): Promise<LongTask> {
  const watch = watchAttempt();
  const request = await run.request(backend, { command: 'echo running; sleep 60' });
  const outcome = run.execute(backend, request, signal, watch.onEvent);
  return { request, id: await watch.started, outcome };
}

/** Restores the socket and waits until nothing of the run is left, as seen by `direct` (a backend on the engine's own socket). */
export async function restoreAndExpectRemoved(run: BackendTestRun, direct: Backend, proxy: SocketProxy): Promise<void> {
  await proxy.restore();
  await eventually(async () => (await run.leftovers(direct)).length === 0, 45_000, 'the containers of the lost attempts removed');
}
