import type { InjectionToken } from 'tsyringe';

/** One file an output upload wrote. */
export interface UploadedFile {
  /** Where it went. */
  readonly url: string;
  /** Its path relative to the output's own path ('' for a FILE output). */
  readonly relativePath: string;
  readonly sizeBytes: number;
}

export interface TransferProgress {
  readonly direction: 'in' | 'out';
  /** Redacted: no credentials. */
  readonly url: string;
  readonly bytesDone: number;
  readonly bytesTotal: number | null;
}

/**
 * What the TES service needs to move a task's files; the composition adapts @capstan/transfer to it. Failures are
 * CapstanErrors (transfer.refused for an address it will not use, transfer.failed for one that failed) whose path is
 * the `fieldPath` given.
 */
export interface FileMover {
  fetchInput(
    input: { readonly url?: string; readonly content?: string; readonly type: 'file' | 'directory'; readonly hostPath: string; readonly fieldPath: string },
    signal: AbortSignal,
    onProgress: (progress: TransferProgress) => void,
  ): Promise<void>;
  putOutput(
    output: {
      readonly hostPath: string;
      readonly url: string;
      readonly type: 'file' | 'directory';
      readonly fieldPath: string;
      /** The host folder holding everything the task's containers could write: links are followed only inside it. */
      readonly within: string;
    },
    signal: AbortSignal,
    onProgress: (progress: TransferProgress) => void,
  ): Promise<UploadedFile[]>;
  /** Refuses (transfer.refused, naming the field) an address this server would never use; called at creation. */
  checkAddress(url: string, direction: 'in' | 'out', fieldPath: string): void;
}

export const FileMover: InjectionToken<FileMover> = Symbol.for('capstan.tes.FileMover');
