import { type AttemptPaths, type BackendEvent, type ExecutionResult } from '@capstan/core-constraints';
import { type RegistryAuth } from '@capstan/docker-api/internal';
import { canceledBeforeStart } from '@capstan/support';
import { followServiceLogs, writeServiceLogs } from './service-logs';
import { type ServiceSpec } from './service-spec';
import { ENDED, type SwarmApi, type SwarmTask } from './swarm-api';
import { describeServiceEnd, type ServiceEnd, type StopReason } from './service-end';
import { type SwarmTaskWatcher } from './task-watcher';

export interface AttemptService {
  readonly api: SwarmApi;
  readonly watcher: SwarmTaskWatcher;
  readonly spec: ServiceSpec;
  readonly auth: RegistryAuth | undefined;
  /** This daemon's node: containers there can be inspected (OOM) and killed directly. */
  readonly localNodeId: string;
  readonly paths: AttemptPaths;
  readonly timeoutMs?: number | undefined;
  readonly keepFailed: boolean;
  readonly signal: AbortSignal;
  /** Aborting it cuts the grace period short: the task's container is killed (or its service removed) at once. */
  readonly stopNow?: AbortSignal | undefined;
  readonly emit: (event: BackendEvent) => void;
}

/** How long the removal of a service may take before its leftovers are reported instead of awaited. */
const REMOVAL_WAIT_MS = 30_000;

/**
 * One attempt as a swarm service from creation to removal: create it, follow its output, wait (through the shared
 * watcher) for its task to end; the signal or the timeout scale it to 0 replicas, so the swarm stops the task (stop
 * signal, the grace period, SIGKILL) and reports how it ended. Then its output is read into the attempt's files and
 * the service is removed, also on errors and cancel (a failed one is kept when `keepFailed` is set), and its task
 * waited out, so nothing is left.
 */
export async function runAttemptService(run: AttemptService): Promise<ExecutionResult> {
  const { api, emit } = run;
  if (run.signal.aborted) return canceledBeforeStart('the service was created');
  let id: string;
  try {
    id = await api.createService(run.spec, run.auth);
  } catch (error) {
    // A create whose answer was lost and was retried fails as a name conflict, though the first one worked.
    await api.removeService(run.spec.Name).catch(() => undefined);
    throw error;
  }
  let result: ExecutionResult | undefined;
  let end: ServiceEnd | undefined;
  const live = followServiceLogs(api, id, (stream, text) => emit({ type: 'log', stream, text }));
  try {
    end = await waitForEnd(run, id);
    if (end.task === null && end.stopReason === 'canceled' && end.startedAt === undefined) return (result = canceledBeforeStart('the service was created'));
    await writeServiceLogs(api, id, run.paths);
    const oomKilled = await wasOomKilled(run, end.task);
    result = describeServiceEnd(end, oomKilled, { timeoutMs: run.timeoutMs, memoryLimit: run.spec.TaskTemplate.Resources.Limits.MemoryBytes ?? 0, local: end.task?.nodeId === run.localNodeId });
    return result;
  } finally {
    live.stop();
    const failed = result === undefined || (result.endReason !== 'canceled' && (result.endReason !== 'exited' || result.exitCode !== 0));
    if (run.keepFailed && failed) {
      emit({ type: 'warning', message: `kept the failed service ${run.spec.Name} (${id}) for inspection; remove it with docker service rm ${run.spec.Name}` });
    } else {
      await removeService(run, id, end?.task ?? null).catch((error: unknown) =>
        emit({ type: 'warning', message: `could not remove service ${run.spec.Name} (${id}): ${(error as Error).message}` }),
      );
    }
  }
}

/** Resolves when the service's task has ended (or, once stopped, is gone); rejects when the swarm cannot be asked. */
function waitForEnd(run: AttemptService, id: string): Promise<ServiceEnd> {
  const { api, signal, stopNow, emit } = run;
  return new Promise((resolve, reject) => {
    let stopReason: StopReason | undefined;
    /** When (performance.now) the swarm had been told to stop the task: a later poll that lists none means it is gone. */
    let stoppedAt: number | undefined;
    let latest: SwarmTask | null = null;
    let startedAt: Date | undefined;
    let timer: NodeJS.Timeout | undefined;
    const said = new Set<string>();

    const stop = (reason: StopReason): void => {
      if (stopReason !== undefined) return;
      stopReason = reason;
      api.scaleToZero(id).then(
        () => (stoppedAt = performance.now()),
        (error: unknown) => finish(() => reject(error)),
      );
    };
    const killNow = (): void => {
      stopReason ??= 'canceled';
      const container = latest?.containerId;
      const killing =
        container !== null && container !== undefined && latest?.nodeId === run.localNodeId
          ? api.client.call('container kill', (docker) => docker.getContainer(container).kill())
          : api.removeService(id);
      void killing.catch(() => undefined).then(() => (stoppedAt ??= performance.now()));
    };
    const onAbort = (): void => stop('canceled');
    const onTasks = (tasks: readonly SwarmTask[], polledAt: number): void => {
      const task = newest(tasks);
      if (task === null) {
        if (stoppedAt !== undefined && polledAt > stoppedAt) finish(() => resolve({ task: latest, stopReason, startedAt }));
        return;
      }
      latest = task;
      if (startedAt === undefined && (task.state === 'running' || (ENDED.has(task.state) && task.containerId !== null))) {
        startedAt = new Date();
        emit({ type: 'started', id });
        if (run.timeoutMs !== undefined) timer = setTimeout(() => stop('timeout'), run.timeoutMs);
      }
      if (ENDED.has(task.state)) return finish(() => resolve({ task, stopReason, startedAt }));
      if (task.error !== '' && !said.has(task.error)) {
        said.add(task.error);
        emit({ type: 'warning', message: `the swarm has not started service ${run.spec.Name} yet (task ${task.state}): ${task.error}` });
      }
    };
    const unwatch = run.watcher.watch(id, onTasks, (error) => finish(() => reject(error)));
    let finished = false;
    const finish = (settle: () => void): void => {
      if (finished) return;
      finished = true;
      unwatch();
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      stopNow?.removeEventListener('abort', killNow);
      settle();
    };
    signal.addEventListener('abort', onAbort, { once: true });
    stopNow?.addEventListener('abort', killNow, { once: true });
    if (signal.aborted) stop('canceled');
    if (stopNow?.aborted) killNow();
  });
}

/** The task to judge by: the live one if any (there is one replica), else the last to change. */
function newest(tasks: readonly SwarmTask[]): SwarmTask | null {
  const live = tasks.find((task) => !ENDED.has(task.state));
  if (live !== undefined) return live;
  return [...tasks].sort((a, b) => b.timestamp.localeCompare(a.timestamp))[0] ?? null;
}

/** The swarm does not say why a container died; the daemon of its node does, for containers on this node. */
async function wasOomKilled(run: AttemptService, task: SwarmTask | null): Promise<boolean> {
  if (task === null || task.containerId === null || task.nodeId !== run.localNodeId || task.state !== 'failed') return false;
  try {
    return (await run.api.client.inspectContainer(task.containerId)).oomKilled;
  } catch {
    return false;
  }
}

/**
 * Removes the service and waits (bounded) until the swarm lists no task of it, then removes its container on this
 * node if the agent has not yet: nothing of the attempt is left when `execute` returns.
 */
async function removeService(run: AttemptService, id: string, task: SwarmTask | null): Promise<void> {
  await run.api.removeService(id);
  const removedAt = performance.now();
  await new Promise<void>((resolve) => {
    const deadline = setTimeout(done, REMOVAL_WAIT_MS);
    const unwatch = run.watcher.watch(
      id,
      (tasks, polledAt) => {
        if (tasks.length === 0 && polledAt > removedAt) done();
      },
      done,
    );
    function done(): void {
      clearTimeout(deadline);
      unwatch();
      resolve();
    }
  });
  const container = task?.containerId;
  if (container !== null && container !== undefined && task?.nodeId === run.localNodeId) await run.api.client.removeContainer(container);
}
