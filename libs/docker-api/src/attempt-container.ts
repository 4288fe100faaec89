import { type AttemptPaths, type BackendEvent, CapstanError, type ExecutionResult } from '@capstan/core-constraints';
import { canceledBeforeStart } from '@capstan/support';
import { attemptCgroup, removeAttemptCgroup } from './attempt-cgroup';
import { describeEnd, isConnectionLost, killedFromOutside, lostEnd, removedFromOutside, type StopReason } from './attempt-end';
import { captureContainerOutput } from './container-output';
import { ContainerStopper } from './container-stopper';
import { ContainerUsage } from './container-usage';
import { type LivenessOptions } from './daemon-liveness';
import { guardBySilence } from './liveness-guard';
import { type ContainerCreateSpec, type DockerClient } from './docker-client';

export interface AttemptContainer {
  readonly client: DockerClient;
  readonly spec: ContainerCreateSpec;
  readonly paths: AttemptPaths;
  readonly timeoutMs?: number | undefined;
  readonly graceSeconds: number;
  readonly keepFailedContainers: boolean;
  readonly signal: AbortSignal;
  /** Aborting it cuts the grace period short: the container is killed at once. */
  readonly stopNow?: AbortSignal | undefined;
  /** Pings while the container starts and runs; a daemon silent for too long ends the attempt as lost. */
  readonly liveness?: LivenessOptions | undefined;
  readonly emit: (event: BackendEvent) => void;
  /** Awaited with the end before the container is removed (see `ExecutionRequest.beforeRemoval`). */
  readonly beforeRemoval?: ((result: ExecutionResult) => Promise<void>) | undefined;
  /** Milliseconds between usage readings (0: none while it runs); undefined: the default. */
  readonly usageIntervalMs?: number | undefined;
}

/** How long output may still arrive after the container ended before the stream is cut. */
const OUTPUT_DRAIN_MS = 30_000;

/**
 * One attempt's container from creation to removal: create, attach (before start, so no output is missed), start,
 * wait; the signal or the timeout stop it (SIGTERM, the grace period, SIGKILL). The container is always removed in
 * the end, also on errors and cancel, except a failed one when `keepFailedContainers` is set.
 */
export async function runAttemptContainer(run: AttemptContainer): Promise<ExecutionResult> {
  const { client, signal, emit } = run;
    if (signal.aborted) return canceledBeforeStart('the container started');
  const name = run.spec.name ?? 'of this attempt';
  let silent = false;
  // From the create to the end of the wait: a daemon that froze on any of these calls would hold the attempt forever.
  const watch = new AbortController();
  const unlessSilent = guardBySilence(client, run.liveness, watch.signal, () => (silent = true));
  const cgroup = run.spec.name === undefined ? undefined : await attemptCgroup(client, run.spec.name);
  const spec = cgroup === undefined ? run.spec : { ...run.spec, HostConfig: { ...run.spec.HostConfig, CgroupParent: cgroup.parent } };
  let id: string;
  try {
    id = await unlessSilent(client.createContainer(spec));
  } catch (error) {
    watch.abort();
    // The daemon may have created it and lost only the answer: find it by its labels once the daemon is back.
    if (isConnectionLost(error)) client.lost.removeWhenBack(name, run.spec.Labels ?? {});
    throw error;
  }
  let result: ExecutionResult | undefined;
  let output: Promise<void> | undefined;
  let outputSource: NodeJS.ReadableStream | undefined;
  let started = false;
  const startedAt = new Date();
  const stopper = new ContainerStopper(client, id, run.graceSeconds);
  const usage = new ContainerUsage(client, run.usageIntervalMs, emit, cgroup);
  try {
    if (signal.aborted) return (result = canceledBeforeStart('the container started'));
    // The wait is put in place beside the attach, so nothing is left to ask once the container runs.
    const early = client.waitBeforeStart(id, watch.signal);
    early?.exited.catch(() => undefined); // awaited below, or replaced by a wait after the start
    const inPlace = early === undefined ? false : unlessSilent(early.registered).then(() => true, () => false); // a silent daemon fails the start next
    const [source, waitInPlace] = await Promise.all([unlessSilent(client.attachOutput(id)), inPlace]);
    outputSource = source;
    output = captureContainerOutput(outputSource, run.paths, (stream, text) => emit({ type: 'log', stream, text }));
    output.catch(() => undefined); // awaited below; a failure must not be unhandled meanwhile
    if (signal.aborted) return (result = canceledBeforeStart('the container started'));

    const onAbort = (): void => stopper.stop('canceled');
    const onStopNow = (): void => stopper.stopNow();
    signal.addEventListener('abort', onAbort, { once: true });
    run.stopNow?.addEventListener('abort', onStopNow, { once: true });
    const timer = run.timeoutMs === undefined ? undefined : setTimeout(() => stopper.stop('timeout'), run.timeoutMs);
    try {
      await unlessSilent(client.startContainer(id));
      started = true;
      stopper.started();
      usage.start(id);
      emit({ type: 'started', id });
      // An early wait that broke (or never was in place) is replaced by a wait that is re-issued on a broken connection.
      const ended = early !== undefined && waitInPlace ? early.exited.catch(() => client.waitContainer(id, watch.signal)) : client.waitContainer(id, watch.signal);
      await unlessSilent(ended);
    } finally {
      watch.abort();
      void usage.stop(); // the container ended: its stats are gone
      signal.removeEventListener('abort', onAbort);
      run.stopNow?.removeEventListener('abort', onStopNow);
      clearTimeout(timer);
    }
    await stopper.settled();
    result = await usage.into(await readEnd(run, id, stopper.reason, startedAt, output, outputSource));
    return result;
  } catch (error) {
    if (error instanceof CapstanError && error.details['statusCode'] === 404) return (result = removedFromOutside(name, startedAt));
    if (!isConnectionLost(error)) throw error;
    return (result = await usage.into(lostEnd(started ? 'wait' : outputSource === undefined ? 'attach' : 'start', error, name, stopper.reason, startedAt)));
  } finally {
    watch.abort(); // also on the early returns and errors before the wait
    await usage.stop();
    await beforeRemoval(run, result);
    const lost = result === undefined || result.exitCode === null;
    const failed = result === undefined || (result.endReason !== 'canceled' && (result.endReason !== 'exited' || result.exitCode !== 0));
    if (silent) {
      // A removal would hang on the frozen daemon like the wait did; the sweep retries it with bounded calls.
      client.lost.removeWhenBack(name, run.spec.Labels ?? {});
      emit({ type: 'warning', message: `container ${name} (${id.slice(0, 12)}) is removed once the daemon answers again (or by the next capstan run or cleanup)` });
    } else if (run.keepFailedContainers && failed && !lost) {
      emit({ type: 'warning', message: `kept the failed container ${run.spec.name ?? id} (${id.slice(0, 12)}) for inspection; remove it with ${client.daemon.cli ?? 'docker'} rm` });
    } else {
      const removed = await client.removeContainer(id).then(
        () => true,
        (error: unknown) => {
          if (isConnectionLost(error)) client.lost.removeWhenBack(name, run.spec.Labels ?? {});
          emit({ type: 'warning', message: `could not remove container ${name} (${id.slice(0, 12)}): ${(error as Error).message}; it is removed when the daemon answers again` });
          return false;
        },
      );
      // Empty once the container is gone; a kept container's stays with it.
      if (removed && cgroup !== undefined) await removeAttemptCgroup(cgroup);
    }
    if (output !== undefined && outputSource !== undefined) {
      // The attach stream of a container that never ran does not end by itself when the container is removed.
      if (!started || silent) destroy(outputSource);
      await drain(output, outputSource).catch(() => undefined);
    }
  }
}

/**
 * The end as the daemon reported it, once the output is written out. A broken output stream is a lost attempt (its
 * captured output is incomplete); a non-zero exit is checked against the daemon's event log for a kill from outside
 * and for an OOM kill the container's state missed.
 */
async function readEnd(run: AttemptContainer, id: string, stopReason: StopReason, startedAt: Date, output: Promise<void>, source: NodeJS.ReadableStream): Promise<ExecutionResult> {
  const name = run.spec.name ?? id.slice(0, 12);
  try {
    await drain(output, source);
  } catch (error) {
    return lostEnd('output stream', error, name, stopReason, startedAt);
  }
  const state = await run.client.inspectContainer(id);
  // The waits answer only once it stopped; a container still running has no exit status to report (never a success).
  if (state.running) return lostEnd('wait', new Error('the daemon reported the end of a container that is still running'), name, stopReason, startedAt);
  let oomKilled = state.oomKilled;
  if (stopReason === undefined && !oomKilled && state.exitCode !== 0) {
    const events = await run.client.endEventsSince(id, startedAt).catch(() => ({ killSignal: null, oom: false }));
    oomKilled = events.oom;
    if (!oomKilled && events.killSignal !== null) return killedFromOutside(name, events.killSignal, state.exitCode, startedAt);
  }
  return describeEnd(state.exitCode, oomKilled, stopReason, { startedAt, timeoutMs: run.timeoutMs, memoryLimit: run.spec.HostConfig?.Memory ?? 0 });
}

/**
 * Lets the caller store an end the runtime reported before the container, its last witness, is removed. Its failure
 * is a warning: the container is removed all the same (keeping it would leak one per failure).
 */
async function beforeRemoval(run: AttemptContainer, result: ExecutionResult | undefined): Promise<void> {
  if (result === undefined || result.exitCode === null || run.beforeRemoval === undefined) return;
  await run.beforeRemoval(result).catch((error: unknown) => run.emit({ type: 'warning', message: `could not record the end before removing the container: ${(error as Error).message}` }));
}

/** Waits for the output to be written out, cutting the stream if it does not end in time. */
async function drain(output: Promise<void>, source: NodeJS.ReadableStream): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const cut = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      destroy(source);
      resolve();
    }, OUTPUT_DRAIN_MS);
  });
  try {
    await Promise.race([output, cut]);
  } finally {
    clearTimeout(timer);
  }
}

function destroy(source: NodeJS.ReadableStream): void {
  (source as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
}

