import { type ParkedTask } from './parked-task';

interface Watched {
  readonly tasks: Set<ParkedTask>;
  readonly onAbort: () => void;
}

/**
 * Listens once per AbortSignal, however many parked tasks share it: a run-wide signal shared by thousands of tasks
 * is the usual case, and a listener each would cost memory and trip Node's listener-leak warning past ten.
 * The listener goes away as soon as no parked task uses the signal, so nothing is kept alive by a long-lived signal.
 */
export class AbortWatch {
  private readonly watched = new Map<AbortSignal, Watched>();

  constructor(private readonly onAbort: (signal: AbortSignal, tasks: readonly ParkedTask[]) => void) {}

  watch(task: ParkedTask): void {
    const signal = task.signal;
    if (signal === undefined) return;
    let entry = this.watched.get(signal);
    if (entry === undefined) {
      const tasks = new Set<ParkedTask>();
      const onAbort = (): void => {
        this.stopWatching(signal);
        this.onAbort(signal, [...tasks]);
      };
      entry = { tasks, onAbort };
      this.watched.set(signal, entry);
      signal.addEventListener('abort', onAbort, { once: true });
    }
    entry.tasks.add(task);
  }

  forget(task: ParkedTask): void {
    const signal = task.signal;
    if (signal === undefined) return;
    const entry = this.watched.get(signal);
    if (entry === undefined) return;
    entry.tasks.delete(task);
    if (entry.tasks.size === 0) this.stopWatching(signal);
  }

  private stopWatching(signal: AbortSignal): void {
    const entry = this.watched.get(signal);
    if (entry === undefined) return;
    this.watched.delete(signal);
    signal.removeEventListener('abort', entry.onAbort);
  }
}
