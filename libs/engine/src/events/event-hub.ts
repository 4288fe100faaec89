/**
 * A fan-out of events to any number of async-iterable subscribers. Each subscriber has its own buffer, so a slow
 * reader does not hold up the engine; a subscriber that stops iterating is removed.
 */
export class EventHub<T> {
  private readonly subscribers = new Set<Subscriber<T>>();
  private closed = false;

  publish(event: T): void {
    for (const subscriber of this.subscribers) subscriber.push(event);
  }

  /** Ends every subscription after the events already published. */
  close(): void {
    this.closed = true;
    for (const subscriber of this.subscribers) subscriber.end();
    this.subscribers.clear();
  }

  subscribe(): AsyncIterableIterator<T> {
    const subscriber = new Subscriber<T>(() => this.subscribers.delete(subscriber));
    if (this.closed) subscriber.end();
    else this.subscribers.add(subscriber);
    return subscriber;
  }
}

class Subscriber<T> implements AsyncIterableIterator<T> {
  private readonly buffer: T[] = [];
  private head = 0;
  private waiting: ((result: IteratorResult<T>) => void) | undefined;
  private ended = false;

  constructor(private readonly detach: () => void) {}

  push(event: T): void {
    if (this.ended) return;
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = undefined;
      resolve({ value: event, done: false });
    } else {
      this.buffer.push(event);
    }
  }

  end(): void {
    this.ended = true;
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = undefined;
      resolve({ value: undefined, done: true });
    }
  }

  next(): Promise<IteratorResult<T>> {
    if (this.head < this.buffer.length) {
      const value = this.buffer[this.head] as T;
      this.head += 1;
      if (this.head > 1024 && this.head * 2 > this.buffer.length) {
        this.buffer.splice(0, this.head);
        this.head = 0;
      }
      return Promise.resolve({ value, done: false });
    }
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    const { promise, resolve } = Promise.withResolvers<IteratorResult<T>>();
    this.waiting = resolve;
    return promise;
  }

  return(): Promise<IteratorResult<T>> {
    this.end();
    this.detach();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }
}
