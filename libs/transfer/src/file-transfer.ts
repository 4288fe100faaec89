import { isAbsolute } from 'node:path';
import type { InjectionToken } from 'tsyringe';
import { z } from 'zod';
import { type ProgressListener } from './progress/progress-reporter';

const hostPath = z.string().refine((value) => isAbsolute(value), { message: 'must be an absolute host path' });
const fileType = z.enum(['FILE', 'DIRECTORY']).default('FILE');

/** One TES input to bring onto the host. Extra keys (a whole tesInput) are ignored. */
export const inputRequestSchema = z.object({
  /** Where the input comes from; ignored when `content` is set and not empty (TES). */
  url: z.string().nullish(),
  /** The file's text (UTF-8), written as a FILE. */
  content: z.string().nullish(),
  type: fileType,
  /** Where it is written on the host. */
  hostPath,
  /** The task field it comes from, for errors (`inputs.2.url`). */
  fieldPath: z.string().min(1),
});

/** One TES output to store. Extra keys (a whole tesOutput) are ignored. */
export const outputRequestSchema = z.object({
  /** What the task left on the host. */
  hostPath,
  /** Where it goes: file:// (under an allowed root) or http(s):// (PUT). */
  url: z.string(),
  type: fileType,
  /**
   * The host folder holding what the task's container could write (its files as the container saw them). A symbolic
   * link at or below `hostPath` is followed only to a place inside it, so a task cannot ship the host's files out.
   */
  within: hostPath,
  fieldPath: z.string().min(1),
});

export type InputRequest = z.input<typeof inputRequestSchema>;
export type OutputRequest = z.input<typeof outputRequestSchema>;

/** One file a transfer wrote: its address (redacted), its size, and its place below the transferred folder. */
export interface TransferredFile {
  readonly url: string;
  readonly sizeBytes: number;
  /** `/`-separated path below a DIRECTORY's top; `''` for a FILE. */
  readonly relativePath: string;
}

/**
 * Moves TES task inputs onto the host and outputs off it. Every failure is a CapstanError: `transfer.refused` (an
 * address Capstan will not use), `transfer.failed` (tried and failed), `run.canceled` (the signal fired), or
 * `value.invalid` (a malformed request), with `path` set to the request's `fieldPath`.
 */
export interface FileTransfer {
  fetchInput(request: InputRequest, signal?: AbortSignal, onProgress?: ProgressListener): Promise<TransferredFile[]>;
  putOutput(request: OutputRequest, signal?: AbortSignal, onProgress?: ProgressListener): Promise<TransferredFile[]>;
  /**
   * Refuses (transfer.refused, path `fieldPath`) an address this transfer would never use, judged from the address
   * alone so that a task can be refused when it is created: a scheme it does not speak, a file:// path outside the
   * allowed roots as written, an http(s) host that is a refused literal address. What only the disk or a lookup can
   * tell (a link out of a root, a name resolving to a refused address) is judged again at transfer.
   */
  checkAddress(url: string, direction: 'in' | 'out', fieldPath: string): void;
}

export const FileTransfer: InjectionToken<FileTransfer> = Symbol.for('capstan.FileTransfer');
