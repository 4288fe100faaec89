import { CapstanError, ErrorCode } from '@capstan/core-constraints';

/** `type=bind,src=...` style mount fields, each CSV-quoted when it holds a comma or a quote (Apptainer and Docker read CSV). */
export function csvField(field: string): string {
  return /[",]/.test(field) ? `"${field.replace(/"/g, '""')}"` : field;
}

/** Paths that go into a mount specification or a scheduler's file name: line breaks and NUL cannot. */
export function assertMountablePath(path: string): void {
  if (/[\n\r\0]/.test(path)) {
    throw new CapstanError(ErrorCode.InvalidValue, `${JSON.stringify(path)} cannot be mounted into a job's container: it holds a line break or NUL; rename it`, { details: { value: path } });
  }
}
