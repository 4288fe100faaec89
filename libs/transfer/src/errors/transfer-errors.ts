import { CapstanError, ErrorCode, formatBytes } from '@capstan/core-constraints';

/** What a transfer error is about: the caller's field (`inputs.2.url`) and the address, already redacted. */
export interface TransferSubject {
  readonly fieldPath: string;
  readonly shownUrl: string;
}

/** An address Capstan will not use (a scheme it does not speak, a path outside the allowed roots). */
export function transferRefused(subject: TransferSubject, problem: string, fix: string, details: Record<string, unknown> = {}): CapstanError {
  return new CapstanError(ErrorCode.TransferRefused, `${subject.fieldPath}: ${problem}; ${fix}`, {
    path: subject.fieldPath,
    details: { url: subject.shownUrl, ...details },
  });
}

/** A transfer that was tried and failed. `cause` must not hold a secret (fs and socket errors do not). */
export function transferFailed(
  subject: TransferSubject,
  problem: string,
  fix: string,
  options: { cause?: unknown; details?: Record<string, unknown> } = {},
): CapstanError {
  return new CapstanError(ErrorCode.TransferFailed, `${subject.fieldPath}: ${problem}; ${fix}`, {
    path: subject.fieldPath,
    cause: options.cause,
    details: { url: subject.shownUrl, ...options.details },
  });
}

export function transferCanceled(subject: TransferSubject): CapstanError {
  return new CapstanError(ErrorCode.Canceled, `${subject.fieldPath}: the transfer of ${subject.shownUrl} was canceled`, {
    path: subject.fieldPath,
    details: { url: subject.shownUrl },
  });
}

/** An input over `maxInputBytes`; `size` is null when the source did not say its size before sending too much. */
export function inputTooLarge(subject: TransferSubject, maxBytes: number, size: number | null): CapstanError {
  const limit = `the limit of ${formatBytes(maxBytes)} (${maxBytes} bytes) per input`;
  const problem =
    size === null
      ? `${subject.shownUrl} sent more than ${limit}`
      : `${subject.shownUrl} is ${formatBytes(size)} (${size} bytes), more than ${limit}`;
  return transferFailed(subject, problem, 'use a smaller input, or ask the operator to raise the transfer maxInputBytes', {
    details: { limitBytes: maxBytes, sizeBytes: size },
  });
}

/**
 * A short reason for a system error (`ECONNREFUSED`, `EACCES: permission denied`), from the error or its cause.
 * Only codes and fixed texts are used: messages of URL errors may quote the URL, and with it a secret.
 */
export function describeSystemError(error: unknown): string {
  for (let current: unknown = error, depth = 0; isObject(current) && depth < 4; current = current.cause, depth += 1) {
    const code = current.code;
    if (typeof code === 'string' && /^E[A-Z0-9_]+$/.test(code)) return SYSTEM_ERRORS[code] ? `${code} (${SYSTEM_ERRORS[code]})` : code;
    if (typeof code === 'string' && code.startsWith('UND_ERR')) return code;
  }
  return isObject(error) && typeof error.name === 'string' ? error.name : 'an unknown error';
}

/**
 * Errors from Node's own fetch and fs come from another realm than `Error` under jest (and in vm contexts), so they
 * are recognised by shape, not with instanceof.
 */
function isObject(value: unknown): value is { code?: unknown; cause?: unknown; name?: unknown } {
  return typeof value === 'object' && value !== null;
}

const SYSTEM_ERRORS: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ETIMEDOUT: 'timed out',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'name lookup failed for now',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EPIPE: 'connection closed while sending',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOENT: 'no such file or folder',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  EISDIR: 'is a folder',
  ENOTDIR: 'not a folder',
  EXDEV: 'on another file system',
  ELOOP: 'too many symbolic links',
};
