import { type HeapItem } from './indexed-min-heap';
import { type RequestShape } from './ledger-units';
import { type ParkedTask } from './parked-task';

/**
 * The parked tasks that share one request shape, in arrival order. Since they are identical, if the first does not
 * fit, none does: a wake-up checks a line once, not each task in it. Ordered in the heap by its first task's arrival.
 */
export class ShapeLine implements HeapItem {
  heapIndex = -1;
  private first: ParkedTask | null = null;
  private last: ParkedTask | null = null;

  constructor(readonly shape: RequestShape) {}

  get heapKey(): number {
    return this.first?.sequence ?? Number.POSITIVE_INFINITY;
  }

  get isEmpty(): boolean {
    return this.first === null;
  }

  peek(): ParkedTask | null {
    return this.first;
  }

  append(task: ParkedTask): void {
    task.line = this;
    task.previous = this.last;
    if (this.last === null) this.first = task;
    else this.last.next = task;
    this.last = task;
  }

  remove(task: ParkedTask): void {
    if (task.previous === null) this.first = task.next;
    else task.previous.next = task.next;
    if (task.next === null) this.last = task.previous;
    else task.next.previous = task.previous;
    task.previous = null;
    task.next = null;
    task.line = null;
  }

  tasks(): ParkedTask[] {
    const tasks: ParkedTask[] = [];
    for (let task = this.first; task !== null; task = task.next) tasks.push(task);
    return tasks;
  }
}
