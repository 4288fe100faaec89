import { type Backend, type LimitBehavior, type ResourceManager } from '@capstan/core-constraints';
import { type RetentionPolicy } from '@capstan/cleanup';
import type { InjectionToken } from 'tsyringe';
import { type Routing } from './routing/routing-config';

export interface EngineOptions {
  /** The backend tasks run on unless a run names another. */
  readonly backend: string;
  /** Folder under which each run gets `<start time>-<run id>/<task>/attempts/<n>/`. */
  readonly workRoot: string;
  /** Shell that runs the command file; a task may choose its own with the `shell` hint. */
  readonly shell: string;
  readonly defaultContainer?: string;
  readonly cpuLimitBehavior: LimitBehavior;
  readonly memoryLimitBehavior: LimitBehavior;
  readonly gpuLimitBehavior: LimitBehavior;
  /** Ends every attempt after this long (the `timeout` hint overrides it per task). */
  readonly timeoutMs?: number;
  /** Where declared outputs are published (default: `<run folder>/outputs`); retention never deletes them. */
  readonly outputDir?: string;
  /** Keep `<work root>/latest` pointing at this run's folder (the CLI; a server's runs are not one a user looks for). */
  readonly latestLink?: boolean;
  /** After an oom end, the next attempt's memory is multiplied by this (the `memory_retry_multiplier` hint wins); 1: off. */
  readonly memoryRetryMultiplier?: number;
  /** What happens to a task's folder when it ends. */
  readonly retention: RetentionPolicy;
  /**
   * Labels added to everything the backends create: a long-lived holder (a TES server's data folder) names itself
   * here, so that its containers are told apart from a CLI run's and outlive its process id (naming's holderLabels).
   */
  readonly holderLabels?: Readonly<Record<string, string>>;
  /** Milliseconds between usage readings of a running attempt (0: only what a backend reads at the end). */
  readonly usageIntervalMs?: number;
  /** Several backends by name: a task goes to its hint's, the first matching rule's, or the default (`backend`). */
  readonly routing?: Routing;
  /**
   * Makes the ledger of one backend, when a task first goes to it: several backends each keep their own capacity and
   * queue. Without it every task is admitted by the injected ResourceManager.
   */
  readonly backendLedger?: (backend: Backend) => Promise<ResourceManager>;
  /**
   * Fetches inputs whose source is a URL other than file:// (`s3://...`) into the task's folder before they are bound,
   * and uploads published outputs when `outputDir` is such a URL. Without it such inputs and output dirs are refused;
   * local paths never go through it.
   */
  readonly remoteFiles?: RemoteFiles;
}

/** What the engine needs of a transfer (the wiring gives it the FileTransfer registered for the CLI). */
export interface RemoteFiles {
  /** Refuses (CapstanError, path `fieldPath`) an address it would never read (`in`) or write (`out`), from the text alone. */
  check(url: string, fieldPath: string, direction?: 'in' | 'out'): void | Promise<void>;
  /** Writes the object (`file`) or every object below the prefix (`directory`) at `hostPath`, which does not exist yet. */
  fetch(request: { url: string; hostPath: string; type: 'file' | 'directory'; fieldPath: string }, signal: AbortSignal): Promise<void>;
  /** Stores the regular file `hostPath` as the object `url`; a link is followed only to a place inside `within`. */
  put(request: { url: string; hostPath: string; within: string; fieldPath: string }, signal: AbortSignal): Promise<void>;
}

export const EngineOptions: InjectionToken<EngineOptions> = Symbol.for('capstan.EngineOptions');

export const DEFAULT_ENGINE_OPTIONS: Omit<EngineOptions, 'backend' | 'workRoot'> = {
  shell: 'bash',
  cpuLimitBehavior: 'deny',
  memoryLimitBehavior: 'deny',
  gpuLimitBehavior: 'deny',
  retention: 'keep',
};
