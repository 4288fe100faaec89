/** A signal that aborts when any of its sources does, and that can be unhooked from them. */
export interface LinkedSignal {
  readonly signal: AbortSignal;
  /** Removes the listeners on the sources: call it when the task ends. */
  dispose(): void;
}

/**
 * `AbortSignal.any` without its cost on long-lived sources: each combined signal stays registered with its sources
 * (about 58 bytes per task on the engine's kill signal, never freed while the engine lives). Here the sources hold
 * one listener each, removed by `dispose`.
 */
export function linkSignals(...sources: AbortSignal[]): LinkedSignal {
  const controller = new AbortController();
  const onAbort = (event: Event): void => controller.abort((event.target as AbortSignal).reason);
  const dispose = (): void => sources.forEach((source) => source.removeEventListener('abort', onAbort));
  for (const source of sources) {
    if (source.aborted) {
      dispose();
      controller.abort(source.reason);
      break;
    }
    source.addEventListener('abort', onAbort, { once: true });
  }
  return { signal: controller.signal, dispose };
}
