import { type BackendEvent } from '@capstan/core-constraints';

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
