import type { InjectionToken } from 'tsyringe';
import { type ContainerKind } from '../containers/container-source';
import { type BackendCapacity, type Constraints } from '../constraints/constraints';
import { type InputType } from '../task/task';
import { type ResourceUsage, type UsageReporting, type UsageSample } from './resource-usage';

/**
 * What a backend can enforce. The engine asks these, never a backend's name, to decide whether a task's needs can be
 * met, warned about, or refused.
 */
export interface BackendCapabilities {
  readonly containerKinds: readonly ContainerKind[];
  /** False for backends that run the command on the host: they accept a task's container but do not use it. */
  readonly runsContainers: boolean;
  readonly enforcesMemoryLimit: boolean;
  readonly enforcesCpuLimit: boolean;
  readonly gpus: boolean;
  readonly readOnlyInputs: boolean;
  readonly networkIsolation: boolean;
  readonly runsAsInvokingUser: boolean;
  readonly enforcesDiskSize: boolean;
  /** The backend's cluster schedules for itself: the resource manager runs in unlimited mode. */
  readonly schedulesItself: boolean;
  /** Whether it reports what attempts used (results' `usage`, `usage` events); absent: `unavailable`. */
  readonly usage?: UsageReporting;
}

export interface BackendProbe {
  readonly available: boolean;
  /** e.g. "Docker Engine 20.10.24, API 1.41". */
  readonly version?: string;
  /** What is missing or broken, each with how to fix it. Empty when available. */
  readonly problems: readonly string[];
  readonly details: Readonly<Record<string, string | number | boolean>>;
}

/** The files of one attempt, `attempts/<n>/` under the task's folder, all host paths. */
export interface AttemptPaths {
  readonly root: string;
  readonly commandFile: string;
  readonly workDir: string;
  readonly stdoutFile: string;
  readonly stderrFile: string;
}

export interface ExecutionInput {
  readonly hostPath: string;
  readonly guestPath: string;
  readonly type: InputType;
  /**
   * Bound read-write instead of read-only: a folder the task shares with later tasks (a TES task's volumes, which
   * its executors, run one after another, all read and write). Default false.
   */
  readonly writable?: boolean;
}

export interface ExecutionRequest {
  readonly runId: string;
  readonly taskName: string;
  /** Unique per attempt; the container or job name. */
  readonly attemptName: string;
  readonly attempt: number;
  readonly shell: string;
  readonly paths: AttemptPaths;
  readonly inputs: readonly ExecutionInput[];
  readonly env: Readonly<Record<string, string>>;
  readonly constraints: Constraints;
  /** Labels every resource the backend creates for this attempt carries. */
  readonly labels: Readonly<Record<string, string>>;
  /** The task's WDL `short_task` hint: a scheduler may send it to a queue for short jobs. */
  readonly shortTask?: boolean;
  /** Ends the attempt with reason `timeout` after this many milliseconds; undefined for none. */
  readonly timeoutMs?: number;
  /**
   * Cancel (the `signal` of `execute`) stops an attempt gracefully: SIGTERM, a grace period, then SIGKILL. When this
   * signal aborts too, what is left of the grace period is skipped: kill now.
   */
  readonly stopNow?: AbortSignal;
  /**
   * True when a later process may have to take this attempt over (a TES server holding a data folder, whose restart
   * re-attaches): a backend that can keep a bounded copy of the output with the runtime then keeps one, so what the
   * attempt prints while no process watches is not lost. False or absent for a CLI run (its attempts die with it).
   */
  readonly reattachable?: boolean;
  /**
   * Awaited with the attempt's end (an exit status the runtime reported) before the backend removes what it made for
   * it: a caller that must not lose the result (a TES server) stores it durably here. Until it settles the container
   * (and so the result) outlives a crash of the process, for a later one to harvest. A rejection does not keep the
   * container. Not called for an attempt without an exit status (lost, canceled before its start).
   */
  readonly beforeRemoval?: (result: ExecutionResult) => Promise<void>;
  /**
   * Milliseconds between two usage readings of the running attempt (a backend that declares `usage: 'sampled'`);
   * 0: none while it runs, only what can be read at the end. Absent: the backend's default.
   */
  readonly usageIntervalMs?: number;
}

/**
 * Why an attempt ended. `exited` covers every normal exit, successful or not; the others are typed causes.
 * `missing_output` is the engine's, never a backend's: the command succeeded but a required output matched no file.
 */
export type EndReason = 'exited' | 'oom' | 'timeout' | 'canceled' | 'preempted' | 'lost' | 'error' | 'missing_output';

export interface ExecutionResult {
  /** Null when the process never produced one (killed before start, lost). */
  readonly exitCode: number | null;
  readonly endReason: EndReason;
  /** Why, for anything but a plain exit. */
  readonly message?: string;
  readonly startedAt: Date;
  readonly endedAt: Date;
  /** What the attempt used, when the backend reports usage and read anything. */
  readonly usage?: ResourceUsage;
}

/** What a backend reports while it works; the engine adds the task name and forwards them. */
export type BackendEvent =
  | { readonly type: 'pulling'; readonly image: string; readonly bytesDone: number; readonly bytesTotal: number | null }
  /** `source`: where the image came from when it is not the image's own registry (e.g. an engine's local store). */
  | { readonly type: 'pulled'; readonly image: string; readonly ms: number; readonly source?: string }
  /**
   * The attempt's command began to run (its container started, its process spawned, its job running): once per attempt
   * that gets that far, before the attempt ends, and never for one that did not (an image that could not be pulled, a
   * program that could not be spawned). Every backend emits it; callers build on it (a TES server's RUNNING state and
   * executor start time). `id`: the runtime's id for the attempt (a container or job id), or `attemptName` where it
   * has none.
   */
  | { readonly type: 'started'; readonly id: string }
  | { readonly type: 'log'; readonly stream: 'stdout' | 'stderr'; readonly text: string }
  | { readonly type: 'warning'; readonly message: string }
  /** A reading of the running attempt's resource usage, every `usageIntervalMs`. */
  | ({ readonly type: 'usage' } & UsageSample);

/** Something a backend created and labelled: a container, a swarm service, a job. */
export interface ManagedResource {
  readonly id: string;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  /** The backend's own word for its state (`running`, `exited`, ...). */
  readonly state: string;
}

export interface FileOwner {
  readonly uid: number;
  readonly gid: number;
}

export interface Backend {
  readonly name: string;
  readonly capabilities: BackendCapabilities;
  probe(signal?: AbortSignal): Promise<BackendProbe>;
  capacity(signal?: AbortSignal): Promise<BackendCapacity>;
  /**
   * Runs one attempt to its end. The signal aborts it: the backend stops the work (gracefully, then forcibly),
   * removes what it created, and resolves with end reason `canceled`. It rejects only for failures of its own.
   */
  execute(request: ExecutionRequest, signal: AbortSignal, emit: (event: BackendEvent) => void): Promise<ExecutionResult>;
  /**
   * Backends whose resources outlive a process (containers, services) list the ones carrying every label in
   * `selector`, so that orphans can be found and removed.
   */
  listManaged?(selector: Readonly<Record<string, string>>, signal?: AbortSignal): Promise<ManagedResource[]>;
  /** Stops (if needed) and removes one resource found by `listManaged`. Removing one already gone is not an error. */
  removeManaged?(resource: ManagedResource, signal?: AbortSignal): Promise<void>;
  /**
   * Gives every file under `folder` (a host path inside the attempt's folder, never outside it) to `owner`, with the
   * backend's own privileges (e.g. a short container running as root). For backends whose tasks can leave files the
   * invoking user does not own. Rejects when it cannot; the caller turns that into a warning.
   */
  repairOwnership?(folder: string, owner: FileOwner, request: ExecutionRequest, signal?: AbortSignal): Promise<void>;
  /**
   * Takes over an attempt a previous Capstan process started and did not see end (found by `listManaged`): streams
   * what it prints from now on to the given files, waits for its end, removes it, and resolves as `execute` does.
   * The signal cancels it like `execute`'s. For backends whose work outlives the process that started it.
   */
  reattach?(resource: ManagedResource, streams: ReattachStreams, signal: AbortSignal): Promise<ExecutionResult>;
  /**
   * Where each of the task's images would come from (a cache, a local store, a registry), one line per candidate up to
   * the one that would be used, without pulling or converting anything: what `capstan plan` shows.
   */
  describeImages?(constraints: Constraints, signal?: AbortSignal): Promise<readonly string[]>;
}

/**
 * Where a re-attached attempt's output goes (host files). Appended to, unless the backend reads the attempt's output
 * from its start (a copy the runtime kept): then it replaces what they hold, which could only be a part of it.
 */
export interface ReattachStreams {
  readonly stdoutFile: string;
  readonly stderrFile: string;
  /** As `ExecutionRequest.beforeRemoval`: awaited with the end of the taken-over attempt before its removal. */
  readonly beforeRemoval?: ExecutionRequest['beforeRemoval'];
}

/** Every backend registers under this one token; several implementations live under it side by side. */
export const Backend: InjectionToken<Backend> = Symbol.for('capstan.Backend');
