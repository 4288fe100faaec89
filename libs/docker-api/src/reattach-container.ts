import { type ExecutionResult, type ManagedResource, type ReattachStreams } from '@capstan/core-constraints';
import { captureContainerOutput } from './container-output';
import { type DockerClient } from './docker-client';

/** How long output may still arrive after the container ended before the stream is cut. */
const OUTPUT_DRAIN_MS = 5_000;

/**
 * Takes over a container that an earlier Capstan process started (found by its labels): what it prints from now on
 * goes to the given files, its end is waited for, it is removed. The signal stops it (SIGTERM, the grace period,
 * SIGKILL) and the result is then `canceled`. A container that has already ended is read and removed at once.
 */
export async function reattachAttemptContainer(client: DockerClient, resource: ManagedResource, streams: ReattachStreams, graceSeconds: number, signal: AbortSignal): Promise<ExecutionResult> {
  const created = Date.parse(resource.labels['io.capstan.created'] ?? '');
  const startedAt = Number.isNaN(created) ? new Date() : new Date(created);
  let canceled = false;
  try {
    // Attaching to a container that has ended gives a stream that never ends: only a running one is attached to.
    const running = (await client.inspectContainer(resource.id)).running;
    const source = running ? await client.attachOutput(resource.id) : undefined;
    const output = source === undefined ? Promise.resolve() : captureContainerOutput(source, streams, () => undefined);
    output.catch(() => undefined);
    const onAbort = (): void => {
      canceled = true;
      void client.stopContainer(resource.id, graceSeconds).catch(() => undefined);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    if (signal.aborted) onAbort();
    try {
      await client.waitContainer(resource.id);
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      output,
      new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          (source as (NodeJS.ReadableStream & { destroy?: () => void }) | undefined)?.destroy?.();
          resolve();
        }, OUTPUT_DRAIN_MS);
      }),
    ]).finally(() => clearTimeout(timer));
    const state = await client.inspectContainer(resource.id);
    const base = { exitCode: state.exitCode, startedAt, endedAt: new Date() };
    if (canceled) return { ...base, endReason: 'canceled', message: 'canceled' };
    if (state.oomKilled) return { ...base, endReason: 'oom', message: 'killed for running out of memory; raise requirements.memory or hints.max_memory' };
    return { ...base, endReason: 'exited' };
  } finally {
    await client.removeContainer(resource.id, true).catch(() => undefined);
  }
}

