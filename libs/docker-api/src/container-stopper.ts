import { type DockerClient } from './docker-client';

/** Stops a container once, for the first reason given; a stop asked before the start completes is sent after it. */
export class ContainerStopper {
  reason: 'canceled' | 'timeout' | undefined;
  private running = false;
  private urgent = false;
  private stopping: Promise<void> = Promise.resolve();

  constructor(
    private readonly client: DockerClient,
    private readonly id: string,
    private readonly graceSeconds: number,
  ) {}

  stop(reason: 'canceled' | 'timeout'): void {
    if (this.reason !== undefined) return;
    this.reason = reason;
    if (this.running) this.send();
  }

  /** Ends the container without waiting out the grace period (a stop with no grace: SIGTERM, then SIGKILL at once). */
  stopNow(): void {
    this.reason ??= 'canceled';
    this.urgent = true;
    if (this.running) this.send();
  }

  started(): void {
    this.running = true;
    if (this.reason !== undefined) this.send();
  }

  /** Resolves when a stop that was sent has finished (its failure is left to the removal that follows). */
  settled(): Promise<void> {
    return this.stopping;
  }

  private send(): void {
    const previous = this.stopping;
    const stopping = this.client.stopContainer(this.id, this.urgent ? 0 : this.graceSeconds).catch(() => undefined);
    this.stopping = Promise.all([previous, stopping]).then(() => undefined);
  }
}
