import { type ExecutionResult, type ManagedResource, type ReattachStreams } from '@capstan/core-constraints';
import { CapstanLabel } from '@capstan/support';
import { Readable } from 'node:stream';
import { lostEnd } from './attempt-end';
import { captureContainerOutput } from './container-output';
import { type LivenessOptions } from './daemon-liveness';
import { type DockerClient } from './docker-client';
import { guardBySilence } from './liveness-guard';

/** How long output may still arrive after the container ended before the stream is cut. */
const OUTPUT_DRAIN_MS = 5_000;

/**
 * Takes over a container that an earlier Capstan process started (found by its labels): what it printed (all of it,
 * bounded, when the engine kept a log: see {@link ContainerTimes.keepsLog}; else from now on) goes to the given
 * files, its end is waited for, it is removed. The signal stops it (SIGTERM, the grace period, SIGKILL) and the
 * result is then `canceled`. A container that ended while nobody watched is harvested: its exit code, its output
 * and its start and end times are read from the daemon, then it is removed. With `liveness`, a daemon that stops
 * answering while the container runs ends it `lost` (see `runAttemptContainer`); its removal waits for the daemon.
 */
export async function reattachAttemptContainer(
  client: DockerClient,
  resource: ManagedResource,
  streams: ReattachStreams,
  graceSeconds: number,
  signal: AbortSignal,
  liveness?: LivenessOptions,
): Promise<ExecutionResult> {
  let canceled = false;
  let silent = false;
  const watch = new AbortController();
  const takenOverAt = new Date();
  try {
    const before = await inspectTimes(client, resource);
    const source = before.keepsLog ? await keptLog(client, resource.id, before.running) : before.running ? await client.attachOutput(resource.id) : undefined;
    // A kept log holds the output from the container's start (its newest part, bounded by the log driver): it
    // replaces what an earlier process captured, which it contains.
    const output = source === undefined ? Promise.resolve() : captureContainerOutput(source, streams, () => undefined, before.keepsLog);
    output.catch(() => undefined);
    const onAbort = (): void => {
      canceled = true;
      void client.stopContainer(resource.id, graceSeconds).catch(() => undefined);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    if (signal.aborted) onAbort();
    try {
      await guardBySilence(client, liveness, watch.signal, () => (silent = true))(client.waitContainer(resource.id, watch.signal));
    } catch (error) {
      if (!silent) throw error;
      (source as (NodeJS.ReadableStream & { destroy?: () => void }) | undefined)?.destroy?.();
      return lostEnd('wait', error, resource.name, canceled ? 'canceled' : undefined, takenOverAt);
    } finally {
      watch.abort();
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
    const after = await inspectTimes(client, resource);
    const base = { exitCode: state.exitCode, startedAt: before.startedAt, endedAt: after.endedAt ?? new Date() };
    const result: ExecutionResult = canceled
      ? { ...base, endReason: 'canceled', message: 'canceled' }
      : state.oomKilled
        ? { ...base, endReason: 'oom', message: 'killed for running out of memory; raise requirements.memory or hints.max_memory' }
        : { ...base, endReason: 'exited' };
    // The container outlives the moment its end is stored: a crash before then leaves it to be harvested again.
    await streams.beforeRemoval?.(result).catch(() => undefined);
    return result;
  } finally {
    // A removal would hang on the frozen daemon like the wait did; the sweep does it once the daemon answers.
    if (silent) client.lost.removeWhenBack(resource.name, resource.labels);
    else await client.removeContainer(resource.id, true).catch(() => undefined);
  }
}


/**
 * The engine's copy of a container's output, from its start. Followed while the container runs; read whole once it
 * ended (Podman 4's follow of an ended container can stop before the end of its file). Whole, it is held in memory
 * once: at most the copy's bound (`logCopyMaxBytes`).
 */
async function keptLog(client: DockerClient, id: string, running: boolean): Promise<NodeJS.ReadableStream> {
  if (running) return client.call('container logs', (api) => api.getContainer(id).logs({ follow: true, stdout: true, stderr: true }));
  const whole = await client.call('container logs', (api) => api.getContainer(id).logs({ follow: false, stdout: true, stderr: true }));
  return Readable.from([whole]);
}

interface ContainerTimes {
  readonly running: boolean;
  readonly startedAt: Date;
  readonly endedAt: Date | undefined;
  /**
   * Whether the daemon keeps the container's output (any log driver but `none`): it is then read from the log,
   * followed until the container ends, from its start. Else a running container is attached to (output from now on)
   * and an ended one has none to give; attaching to an ended container would give a stream that never ends.
   */
  readonly keepsLog: boolean;
}

/** When the container really started and ended, by the daemon's clock; the creation label when the daemon has none. */
async function inspectTimes(client: DockerClient, resource: ManagedResource): Promise<ContainerTimes> {
  const info = await client.call('container inspect', (api) => api.getContainer(resource.id).inspect());
  const time = (text: string | undefined): Date | undefined => {
    const parsed = Date.parse(text ?? '');
    // The daemon writes 0001-01-01T00:00:00Z for "never".
    return Number.isNaN(parsed) || parsed <= 0 ? undefined : new Date(parsed);
  };
  const created = time(resource.labels[CapstanLabel.Created]) ?? new Date();
  const running = info.State.Running;
  return { running, startedAt: time(info.State.StartedAt) ?? created, endedAt: running ? undefined : time(info.State.FinishedAt), keepsLog: info.HostConfig.LogConfig?.Type !== 'none' };
}
