import { CapstanError, ErrorCode } from '@capstan/core-constraints';

/**
 * Capstan's own exit codes follow BSD sysexits, so they stay apart from the small codes tasks usually return
 * (`capstan run` exits with the task's own code when the task ran).
 */
export const ExitCode = {
  Ok: 0,
  /** The task ran and failed without an exit code of its own (e.g. killed for OOM). */
  TaskFailed: 1,
  Usage: 64,
  /** The task file or a value in it is invalid. */
  InvalidTask: 65,
  /** A file named on the command line does not exist or cannot be read. */
  NoInput: 66,
  /** The task cannot run on the chosen backend (too large, no usable container, no GPU), or the backend is down. */
  Unavailable: 69,
  /** A failure inside Capstan. */
  Internal: 70,
  InvalidConfig: 78,
  /** Canceled (128 + SIGINT, as shells report it). */
  Canceled: 130,
} as const;

const BY_ERROR_CODE: Readonly<Partial<Record<ErrorCode, number>>> = {
  [ErrorCode.FileUnreadable]: ExitCode.NoInput,
  [ErrorCode.FileSyntax]: ExitCode.InvalidTask,
  [ErrorCode.InvalidValue]: ExitCode.InvalidTask,
  [ErrorCode.UnknownKey]: ExitCode.InvalidTask,
  [ErrorCode.InvalidSize]: ExitCode.InvalidTask,
  [ErrorCode.InvalidDisk]: ExitCode.InvalidTask,
  [ErrorCode.InvalidContainer]: ExitCode.InvalidTask,
  [ErrorCode.LimitBelowRequest]: ExitCode.InvalidTask,
  [ErrorCode.NoUsableContainer]: ExitCode.Unavailable,
  [ErrorCode.ShellNotFound]: ExitCode.Unavailable,
  [ErrorCode.ExceedsCapacity]: ExitCode.Unavailable,
  [ErrorCode.AcceleratorUnavailable]: ExitCode.Unavailable,
  [ErrorCode.AdmissionImpossible]: ExitCode.Unavailable,
  [ErrorCode.BackendFailure]: ExitCode.Unavailable,
  [ErrorCode.BackendUnavailable]: ExitCode.Unavailable,
  [ErrorCode.ImageUnavailable]: ExitCode.Unavailable,
  [ErrorCode.UnknownBackend]: ExitCode.Usage,
  [ErrorCode.Usage]: ExitCode.Usage,
  [ErrorCode.DuplicateBackend]: ExitCode.Internal,
  [ErrorCode.InvalidConfig]: ExitCode.InvalidConfig,
  [ErrorCode.InvalidPlugin]: ExitCode.InvalidConfig,
  [ErrorCode.AdmissionAborted]: ExitCode.Canceled,
  [ErrorCode.Canceled]: ExitCode.Canceled,
};

export function exitCodeFor(error: unknown): number {
  return error instanceof CapstanError ? (BY_ERROR_CODE[error.code] ?? ExitCode.Internal) : ExitCode.Internal;
}
