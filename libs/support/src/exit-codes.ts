import { CapstanError, ErrorCode } from '@capstan/core-constraints';

/**
 * Capstan's own exit codes follow BSD sysexits, so they stay apart from the small codes tasks usually return
 * (`capstan run` exits with the task's own code when the task ran). Every command (`run`, `plan`, `serve`, ...)
 * maps errors through `exitCodeFor`, so one error exits with one code whichever command met it.
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

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** Every ErrorCode, by type: a new code does not compile until it is given an exit code here. */
export const EXIT_CODE_BY_ERROR: Readonly<Record<ErrorCode, ExitCode>> = {
  [ErrorCode.FileUnreadable]: ExitCode.NoInput,
  [ErrorCode.FileSyntax]: ExitCode.InvalidTask,
  [ErrorCode.InvalidValue]: ExitCode.InvalidTask,
  [ErrorCode.UnknownKey]: ExitCode.InvalidTask,
  [ErrorCode.InvalidSize]: ExitCode.InvalidTask,
  [ErrorCode.InvalidDisk]: ExitCode.InvalidTask,
  [ErrorCode.InvalidContainer]: ExitCode.InvalidTask,
  [ErrorCode.LimitBelowRequest]: ExitCode.InvalidTask,
  [ErrorCode.TesInvalidTask]: ExitCode.InvalidTask,
  [ErrorCode.TesUnsupportedBackendParameters]: ExitCode.InvalidTask,
  [ErrorCode.TesInvalidTransition]: ExitCode.InvalidTask,
  [ErrorCode.TesBodyTooLarge]: ExitCode.InvalidTask,
  [ErrorCode.TransferRefused]: ExitCode.InvalidTask,
  [ErrorCode.TaskFileRefused]: ExitCode.InvalidTask,
  [ErrorCode.TesTaskNotFound]: ExitCode.NoInput,
  [ErrorCode.RunNotFound]: ExitCode.NoInput,
  [ErrorCode.NoUsableContainer]: ExitCode.Unavailable,
  [ErrorCode.ShellNotFound]: ExitCode.Unavailable,
  [ErrorCode.ExceedsCapacity]: ExitCode.Unavailable,
  [ErrorCode.AcceleratorUnavailable]: ExitCode.Unavailable,
  [ErrorCode.AdmissionImpossible]: ExitCode.Unavailable,
  [ErrorCode.BackendFailure]: ExitCode.Unavailable,
  [ErrorCode.BackendUnavailable]: ExitCode.Unavailable,
  [ErrorCode.ImageUnavailable]: ExitCode.Unavailable,
  [ErrorCode.TransferFailed]: ExitCode.Unavailable,
  [ErrorCode.UnknownBackend]: ExitCode.Usage,
  [ErrorCode.Usage]: ExitCode.Usage,
  [ErrorCode.TesInvalidQuery]: ExitCode.Usage,
  [ErrorCode.DuplicateBackend]: ExitCode.Internal,
  [ErrorCode.InvalidConfig]: ExitCode.InvalidConfig,
  [ErrorCode.InvalidPlugin]: ExitCode.InvalidConfig,
  [ErrorCode.AdmissionAborted]: ExitCode.Canceled,
  [ErrorCode.Canceled]: ExitCode.Canceled,
};

/** The exit code for a failure: by its ErrorCode when it is a CapstanError, else `Internal` (a bug of ours). */
export function exitCodeFor(error: unknown): ExitCode {
  return error instanceof CapstanError ? (EXIT_CODE_BY_ERROR[error.code] ?? ExitCode.Internal) : ExitCode.Internal;
}
