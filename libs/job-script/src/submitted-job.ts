import { type BackendEvent, type ExecutionRequest } from '@capstan/core-constraints';
import { type NodeRuntime } from './node-runtime';

/** A job a scheduler accepted, as a scheduler backend follows it to its end. */
export interface SubmittedJob {
  readonly jobId: string;
  readonly request: ExecutionRequest;
  readonly signal: AbortSignal;
  readonly emit: (event: BackendEvent) => void;
  readonly runtime: NodeRuntime;
  /** Where the job script writes what happened (see parseStatusFile). */
  readonly statusFile: string;
  readonly submittedAt: Date;
  /** What the job asked for, for messages. */
  readonly memoryBytes: number;
}
