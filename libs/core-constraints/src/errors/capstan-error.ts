/**
 * The one error family for all of Capstan. Every error a user can cause carries a stable `code` to branch on
 * (and for the api app to map to an HTTP status), the `path` into the task or config file where the bad value
 * sits (dotted, e.g. `requirements.memory`), and a message that states the value, the limit and the fix.
 */
export const ErrorCode = {
  /** A task or config file could not be read or parsed as YAML/JSON. */
  FileUnreadable: 'file.unreadable',
  FileSyntax: 'file.syntax',
  /** A value has the wrong shape or type. */
  InvalidValue: 'value.invalid',
  /** A key that is not allowed where it stands (closed sections such as `requirements`). */
  UnknownKey: 'value.unknown_key',
  /** A size string or number that cannot be read as bytes. */
  InvalidSize: 'size.invalid',
  /** A disk specification that cannot be read, or a duplicate/relative mount point. */
  InvalidDisk: 'disk.invalid',
  /** A container URI that cannot be parsed, or none of the candidates is usable on the backend. */
  InvalidContainer: 'container.invalid',
  NoUsableContainer: 'container.none_usable',
  /** The image has no program by the shell's name: the command never ran (fix: the `shell` hint or `--shell`). */
  ShellNotFound: 'container.shell_not_found',
  /** A request above what the backend can give a single task (under the `deny` limit behaviour). */
  ExceedsCapacity: 'resource.exceeds_capacity',
  /** `max_cpu` / `max_memory` below the request. */
  LimitBelowRequest: 'resource.limit_below_request',
  /** A GPU or FPGA was required and the backend has none. */
  AcceleratorUnavailable: 'resource.accelerator_unavailable',
  /** The resource manager will never admit the task (larger than the per-task maximum). */
  AdmissionImpossible: 'admission.impossible',
  /** The wait for resources was aborted. */
  AdmissionAborted: 'admission.aborted',
  /** Backend registry: an unknown name, or a name registered twice. */
  UnknownBackend: 'backend.unknown',
  DuplicateBackend: 'backend.duplicate',
  /** The backend failed in a way that is not the task's fault. */
  BackendFailure: 'backend.failure',
  /** The backend's daemon or service does not answer (not started, wrong socket, no permission). */
  BackendUnavailable: 'backend.unavailable',
  /** None of a task's container images could be found locally or pulled. */
  ImageUnavailable: 'image.unavailable',
  /** Configuration (file, environment, flags). */
  InvalidConfig: 'config.invalid',
  /** A plugin named in the configuration's `plugins:` that cannot be used: not found, throws, no plugin export, a name clash. */
  InvalidPlugin: 'config.invalid_plugin',
  /** A command line that cannot be understood (unknown flag, missing argument). */
  Usage: 'usage.invalid',
  /** The run was canceled by the user. */
  Canceled: 'run.canceled',
  /** GA4GH TES: a CreateTask body that breaks the TES v1.1 rules (an HTTP 400 in the api). */
  TesInvalidTask: 'tes.invalid_task',
  /** GA4GH TES: `backend_parameters` keys the service does not support, sent with `backend_parameters_strict` (400). */
  TesUnsupportedBackendParameters: 'tes.unsupported_backend_parameters',
  /** GA4GH TES: a query parameter that cannot be read: `view`, `page_size`, `page_token`, `state`, tags (400). */
  TesInvalidQuery: 'tes.invalid_query',
  /** GA4GH TES: a task state change the TES state machine does not allow (a 409 in the api). */
  TesInvalidTransition: 'tes.invalid_transition',
  /** GA4GH TES: no task has this id (a 404 in the api). */
  TesTaskNotFound: 'tes.task_not_found',
  /** GA4GH TES: a request body over the configured size (a 413 in the api). */
  TesBodyTooLarge: 'tes.body_too_large',
  /** A transfer address Capstan will not use: a scheme it does not speak, a file:// path outside the allowed roots. */
  TransferRefused: 'transfer.refused',
  /** A transfer that was tried and failed (after its retries): a refused connection, an HTTP error, a size limit. */
  TransferFailed: 'transfer.failed',
  /** A path in a task's folder the host will not open, walk or delete: a link out, a FIFO, socket or device, a `..`. */
  TaskFileRefused: 'task_file.refused',
  /** No run folder in the work root answers to a run id, folder name or prefix (`capstan logs`). */
  RunNotFound: 'run.not_found',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export interface CapstanErrorOptions {
  /** Dotted path into the task or config document, or null when the error is not about one value. */
  path?: string | null;
  cause?: unknown;
  /** Machine-readable extras (the value, the limit) for callers that want more than the message. */
  details?: Readonly<Record<string, unknown>>;
}

export class CapstanError extends Error {
  override readonly name = 'CapstanError';
  readonly code: ErrorCode;
  readonly path: string | null;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, message: string, options: CapstanErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.path = options.path ?? null;
    this.details = options.details ?? {};
  }

  /** The same error with its path placed under `prefix` (`memory` under `requirements` -> `requirements.memory`). */
  under(prefix: string): CapstanError {
    const path = this.path === null || this.path === '' ? prefix : `${prefix}.${this.path}`;
    return new CapstanError(this.code, this.message, { path, cause: this.cause, details: this.details });
  }

  toJSON(): { code: ErrorCode; message: string; path: string | null } {
    return { code: this.code, message: this.message, path: this.path };
  }
}

export function isCapstanError(value: unknown): value is CapstanError {
  return value instanceof CapstanError;
}
