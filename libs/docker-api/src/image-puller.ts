import { CapstanError, ErrorCode } from '@capstan/core-constraints';
import { type DockerClient } from './docker-client';
import { type PullBytes, PullProgress } from './pull-progress';
import { type RegistryCredentials } from './registry-credentials';

export type PullListener = (bytes: PullBytes) => void;

/** What the puller needs of a client. */
export type ImagePullClient = Pick<DockerClient, 'pullImage'>;

interface SharedPull {
  readonly done: Promise<void>;
  readonly listeners: Set<PullListener>;
}

/**
 * Pulls images, one pull per reference at a time: a request for an image that is already being pulled joins that
 * pull (single flight) and hears its progress, in bytes, at most every `progressIntervalMs`. Leaving early (the
 * signal aborts) does not stop the pull for the others.
 */
export class ImagePuller {
  private readonly inFlight = new Map<string, SharedPull>();

  constructor(
    private readonly client: ImagePullClient,
    private readonly credentials: Pick<RegistryCredentials, 'forImage'>,
    private readonly progressIntervalMs = 250,
  ) {}

  /** Resolves when the image is there; rejects with the registry's reason, or `run.canceled` when `signal` aborts. */
  async pull(reference: string, onProgress?: PullListener, signal?: AbortSignal): Promise<void> {
    const shared = this.inFlight.get(reference) ?? this.start(reference);
    if (onProgress !== undefined) shared.listeners.add(onProgress);
    try {
      await untilAborted(shared.done, signal, reference);
    } finally {
      if (onProgress !== undefined) shared.listeners.delete(onProgress);
    }
  }

  /** References being pulled now. */
  get pulling(): string[] {
    return [...this.inFlight.keys()];
  }

  private start(reference: string): SharedPull {
    const listeners = new Set<PullListener>();
    const progress = new PullProgress();
    let lastSent = 0;
    const send = (): void => {
      lastSent = Date.now();
      const bytes = progress.bytes;
      for (const listener of listeners) listener(bytes);
    };
    const done = this.client
      .pullImage(reference, this.credentials.forImage(reference), (message) => {
        if (progress.add(message) && Date.now() - lastSent >= this.progressIntervalMs) send();
      })
      .then(send)
      .finally(() => this.inFlight.delete(reference));
    // A pull nobody waits for any more must not become an unhandled rejection.
    done.catch(() => undefined);
    const shared = { done, listeners };
    this.inFlight.set(reference, shared);
    return shared;
  }
}

function untilAborted(work: Promise<void>, signal: AbortSignal | undefined, reference: string): Promise<void> {
  if (signal === undefined) return work;
  const canceled = (): CapstanError => new CapstanError(ErrorCode.Canceled, `canceled while waiting for the pull of ${reference}`);
  if (signal.aborted) return Promise.reject(canceled());
  return new Promise((resolve, reject) => {
    const onAbort = (): void => reject(canceled());
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
