import type Dockerode from 'dockerode';
import { isNotFound } from './docker-error';

const FIRST_DELAY_MS = 1_000;
const MAX_DELAY_MS = 30_000;
/** One sweep's calls are bounded: a daemon that hangs must not pile sweeps up. */
const CALL_TIMEOUT_MS = 5_000;

/**
 * Containers this process could not remove because the daemon stopped answering, by their labels (a create whose
 * answer was lost has no id yet). Once the daemon answers again they are removed, whatever they are doing: their
 * attempts have already ended as lost. The timer is unref'd: a CLI that is done does not wait for the daemon; what it
 * leaves is an orphan of a dead pid, reaped by the next run.
 */
export class LostContainers {
  private readonly pending = new Map<string, Readonly<Record<string, string>>>();
  private timer: NodeJS.Timeout | undefined;
  private delay = FIRST_DELAY_MS;

  constructor(private readonly api: Dockerode) {}

  /** How many attempts' containers still wait for the daemon. */
  get size(): number {
    return this.pending.size;
  }

  /** Removes the containers carrying every label in `labels` once the daemon answers; `key` names the attempt. */
  removeWhenBack(key: string, labels: Readonly<Record<string, string>>): void {
    // No labels would select every container on the daemon: never.
    if (Object.keys(labels).length === 0) return;
    this.pending.set(key, labels);
    this.delay = FIRST_DELAY_MS;
    this.schedule();
  }

  private schedule(): void {
    if (this.timer !== undefined || this.pending.size === 0) return;
    this.timer = setTimeout(() => void this.sweep(), this.delay);
    this.timer.unref();
  }

  private async sweep(): Promise<void> {
    for (const [key, labels] of this.pending) {
      try {
        const filters = { label: Object.entries(labels).map(([name, value]) => `${name}=${value}`) };
        const found = await this.api.listContainers({ all: true, filters, abortSignal: AbortSignal.timeout(CALL_TIMEOUT_MS) } as Dockerode.ContainerListOptions);
        for (const container of found) {
          await this.api
            .getContainer(container.Id)
            .remove({ force: true, v: true, abortSignal: AbortSignal.timeout(CALL_TIMEOUT_MS) })
            .catch((error: unknown) => {
              if (!isNotFound(error)) throw error;
            });
        }
        this.pending.delete(key);
      } catch {
        break; // still unreachable: the next sweep tries again
      }
    }
    this.timer = undefined;
    this.delay = Math.min(MAX_DELAY_MS, this.delay * 2);
    this.schedule();
  }
}
