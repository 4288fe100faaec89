import { type EndReason, type ResourceUsage } from '@capstan/core-constraints';
import { type TaskState } from '../events/engine-event';
import { type OutputFile } from './collect-outputs';
import { type PublishedOutput } from './publish-outputs';

export interface AttemptRecord {
  readonly attempt: number;
  readonly attemptName: string;
  readonly folder: string;
  readonly exitCode: number | null;
  readonly endReason: EndReason;
  readonly message?: string;
  /** The attempt's memory request and limit in bytes (they grow after an oom end with a memory retry multiplier). */
  readonly memory: number;
  readonly memoryLimit: number | null;
  /** The attempt's CPU request. */
  readonly cpu: number;
  readonly startedAt: string;
  readonly endedAt: string;
  /** What it used, when the backend reports usage (see `BackendCapabilities.usage`). */
  readonly usage?: ResourceUsage;
}

/** Milliseconds spent in each phase of a task's life. */
export interface PhaseTimes {
  readonly resolveMs: number;
  readonly queueMs: number;
  readonly stageMs: number;
  readonly runMs: number;
  readonly collectMs: number;
  readonly cleanupMs: number;
  readonly totalMs: number;
}

export interface TaskResult {
  readonly runId: string;
  readonly taskName: string;
  readonly uniqueName: string;
  readonly backend: string;
  readonly state: TaskState;
  /** The last attempt's exit code. */
  readonly exitCode: number | null;
  readonly endReason: EndReason | null;
  readonly attempts: readonly AttemptRecord[];
  /** Files of the last attempt's work dir matched by the task's output globs. */
  readonly outputs: readonly OutputFile[];
  /** Where the outputs were published (hard links or copies that retention never deletes), with sizes and sha256. */
  readonly published: readonly PublishedOutput[];
  /** The folder they were published in (`<output root>/<task>/`), null when nothing was. */
  readonly outputsFolder: string | null;
  /** With end reason `missing_output`: one line per required output that matched no file. */
  readonly missingOutputs: readonly string[];
  /** The task's folder (`<work root>/<run id>/<unique name>`), and whether retention deleted it. */
  readonly folder: string;
  readonly folderDeleted: boolean;
  readonly phases: PhaseTimes;
  readonly warnings: readonly string[];
  /** Set when Capstan itself refused or failed the task (state `error`), or the task was canceled before it ran. */
  readonly error?: { readonly code: string; readonly message: string; readonly path: string | null };
}
