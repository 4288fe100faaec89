import { type AttemptPaths, type BackendEvent, CapstanError, type EndReason, ErrorCode, type ExecutionRequest, type ExecutionResult, formatBytes } from '@capstan/core-constraints';
import { access } from 'node:fs/promises';
import { captureContainerOutput } from './container-output';
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
  readonly emit: (event: BackendEvent) => void;
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
  const canceledBeforeStart = (): ExecutionResult => ({ exitCode: null, endReason: 'canceled', message: 'canceled before the container started', startedAt: new Date(), endedAt: new Date() });
  if (signal.aborted) return canceledBeforeStart();
  const id = await client.createContainer(run.spec);
  let result: ExecutionResult | undefined;
  let output: Promise<void> | undefined;
  let outputSource: NodeJS.ReadableStream | undefined;
  let started = false;
  try {
    if (signal.aborted) return (result = canceledBeforeStart());
    outputSource = await client.attachOutput(id);
    output = captureContainerOutput(outputSource, run.paths, (stream, text) => emit({ type: 'log', stream, text }));
    output.catch(() => undefined); // awaited below; a failure must not be unhandled meanwhile
    if (signal.aborted) return (result = canceledBeforeStart());

    const stopper = new ContainerStopper(client, id, run.graceSeconds);
    const onAbort = (): void => stopper.stop('canceled');
    const onStopNow = (): void => stopper.stopNow();
    signal.addEventListener('abort', onAbort, { once: true });
    run.stopNow?.addEventListener('abort', onStopNow, { once: true });
    const timer = run.timeoutMs === undefined ? undefined : setTimeout(() => stopper.stop('timeout'), run.timeoutMs);
    const startedAt = new Date();
    try {
      await client.startContainer(id);
      started = true;
      stopper.started();
      emit({ type: 'started', id });
      await client.waitContainer(id);
    } finally {
      signal.removeEventListener('abort', onAbort);
      run.stopNow?.removeEventListener('abort', onStopNow);
      clearTimeout(timer);
    }
    await stopper.settled();
    await drain(output, outputSource);
    const state = await client.inspectContainer(id);
    result = describeEnd(state.exitCode, state.oomKilled, stopper.reason, run, startedAt);
    return result;
  } finally {
    const failed = result === undefined || (result.endReason !== 'canceled' && (result.endReason !== 'exited' || result.exitCode !== 0));
    if (run.keepFailedContainers && failed) {
      emit({ type: 'warning', message: `kept the failed container ${run.spec.name ?? id} (${id.slice(0, 12)}) for inspection; remove it with ${client.daemon.cli ?? 'docker'} rm` });
    } else {
      await client.removeContainer(id).catch((error: unknown) =>
        emit({ type: 'warning', message: `could not remove container ${id.slice(0, 12)}: ${(error as Error).message}` }),
      );
    }
    if (output !== undefined && outputSource !== undefined) {
      // The attach stream of a container that never ran does not end by itself when the container is removed.
      if (!started) destroy(outputSource);
      await drain(output, outputSource).catch(() => undefined);
    }
  }
}

function describeEnd(exitCode: number, oomKilled: boolean, stopReason: 'canceled' | 'timeout' | undefined, run: AttemptContainer, startedAt: Date): ExecutionResult {
  const endedAt = new Date();
  const base = { exitCode, startedAt, endedAt };
  if (stopReason === 'canceled') return { ...base, endReason: 'canceled', message: 'canceled' };
  if (stopReason === 'timeout') return { ...base, endReason: 'timeout', message: `stopped after the timeout of ${run.timeoutMs} ms` };
  if (oomKilled) {
    const limit = run.spec.HostConfig?.Memory ?? 0;
    const reason: EndReason = 'oom';
    return {
      ...base,
      endReason: reason,
      message: `killed for running out of memory${limit > 0 ? ` (limit ${formatBytes(limit)}, ${limit} bytes)` : ''}; raise requirements.memory or hints.max_memory`,
    };
  }
  return { ...base, endReason: 'exited' };
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

/** Stops a container once, for the first reason given; a stop asked before the start completes is sent after it. */
class ContainerStopper {
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

/** Fails before anything is created when an input's host path does not exist, naming it. */
export async function assertInputsExist(request: Pick<ExecutionRequest, 'inputs'>): Promise<void> {
  for (const input of request.inputs) {
    try {
      await access(input.hostPath);
    } catch {
      throw new CapstanError(ErrorCode.InvalidValue, `input ${input.hostPath} does not exist; check the input's source`, {
        details: { value: input.hostPath, guestPath: input.guestPath },
      });
    }
  }
}
