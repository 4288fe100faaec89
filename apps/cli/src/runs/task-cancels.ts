import { CapstanError, ErrorCode } from '@capstan/core-constraints';
import { type RunOptions } from '@capstan/engine';

interface Cancelable {
  readonly controller: AbortController;
  ended: boolean;
}

/**
 * One abort per task of a `capstan run`, found by the task's unique name (what run.json, `ps` and `top` show), so
 * that one task can be canceled while the run goes on with the others. The engine gives a task its unique name when
 * it starts, so a task is known here from its first event on.
 */
export class TaskCancels {
  private readonly byName = new Map<string, Cancelable>();

  /** Runs `start` with `options` and the task's own signal; the task is cancelable until it resolves. */
  async track<T>(options: RunOptions, start: (options: RunOptions) => Promise<T>): Promise<T> {
    const task: Cancelable = { controller: new AbortController(), ended: false };
    const onEvent = (event: { readonly uniqueName: string }): void => {
      if (!this.byName.has(event.uniqueName)) this.byName.set(event.uniqueName, task);
    };
    try {
      return await start({ ...options, signal: task.controller.signal, onEvent });
    } finally {
      task.ended = true;
    }
  }

  /** Cancels one task (queued: it leaves the queue; running: it stops gracefully); says what was done. */
  cancel(uniqueName: string): string {
    const task = this.byName.get(uniqueName);
    if (task === undefined) return `no task ${uniqueName} in this run`;
    if (task.ended) return `task ${uniqueName} has already ended`;
    if (task.controller.signal.aborted) return `task ${uniqueName} is already being canceled`;
    task.controller.abort(new CapstanError(ErrorCode.Canceled, `task ${uniqueName} was canceled (capstan top)`));
    return `canceling task ${uniqueName}: it stops gracefully, and the run goes on with its other tasks`;
  }
}
