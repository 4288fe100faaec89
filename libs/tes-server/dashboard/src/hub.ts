import { useEffect, useRef } from 'preact/hooks';
import { type TesEvent } from './events';

// One stream for the whole page; each view listens to what it shows.
const listeners = new Set<(event: TesEvent) => void>();

export function publish(event: TesEvent): void {
  for (const listener of listeners) listener(event);
}

/** Calls the latest `listener` for every event while the component is mounted. */
export function useTesEvents(listener: (event: TesEvent) => void): void {
  const latest = useRef(listener);
  latest.current = listener;
  useEffect(() => {
    const call = (event: TesEvent) => latest.current(event);
    listeners.add(call);
    return () => void listeners.delete(call);
  }, []);
}

/** A function that runs `work` at most once per `ms`, the last call winning: many events, one re-read. */
export function useThrottled(work: () => void, ms: number): () => void {
  const latest = useRef(work);
  latest.current = work;
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => () => clearTimeout(timer.current), []);
  return () => {
    if (timer.current !== undefined) return;
    timer.current = setTimeout(() => {
      timer.current = undefined;
      latest.current();
    }, ms);
  };
}
