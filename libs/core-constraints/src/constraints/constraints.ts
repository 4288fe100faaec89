import { type ContainerKind, type ContainerSource } from '../containers/container-source';
import { type ResourceAmounts } from '../resources/resource-manager';

/** How a request above the backend's per-task maximum is handled. */
export type LimitBehavior = 'deny' | 'try_with_max';
export const LIMIT_BEHAVIORS: readonly LimitBehavior[] = ['deny', 'try_with_max'];

/** What a backend can give: in total, and to any one task (the largest node), and what images it can run. */
export interface BackendCapacity {
  readonly total: ResourceAmounts;
  readonly perTaskMax: ResourceAmounts;
  /** FPGAs one task can be given. */
  readonly fpga: number;
  readonly containerKinds: readonly ContainerKind[];
}

export interface ResolveOptions {
  readonly cpuLimitBehavior?: LimitBehavior;
  readonly memoryLimitBehavior?: LimitBehavior;
  readonly gpuLimitBehavior?: LimitBehavior;
  /** What `"*"` means: a container URI, or undefined to keep `"*"` (any environment). */
  readonly defaultContainer?: string | undefined;
  /** Named in messages: "the docker backend has at most ...". */
  readonly backendName: string;
}

export interface SkippedContainer {
  readonly uri: string;
  readonly reason: string;
}

/** What a task needs, fitted to a backend. */
export interface Constraints {
  /** Usable candidates, in the task's order. */
  readonly containers: readonly ContainerSource[];
  readonly skippedContainers: readonly SkippedContainer[];
  readonly cpu: number;
  /** Bytes. */
  readonly memory: number;
  /** From `max_cpu`, never above the backend's per-task maximum; null when not set. */
  readonly cpuLimit: number | null;
  /** Bytes, from `max_memory`; null when not set. */
  readonly memoryLimit: number | null;
  readonly gpu: number;
  readonly gpuSpec: string | null;
  readonly fpga: number;
  readonly fpgaSpec: string | null;
  /** Mount point (`/` is the task root) to bytes. */
  readonly disks: Readonly<Record<string, number>>;
  readonly diskClasses: Readonly<Record<string, string>>;
}

export interface Resolution {
  readonly constraints: Constraints;
  /** Plain sentences: what was clamped, which candidates were skipped, which hints were ignored. */
  readonly warnings: readonly string[];
}
