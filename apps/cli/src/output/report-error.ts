import { CapstanError } from '@capstan/core-constraints';

export interface ErrorReport {
  readonly error: { readonly code: string; readonly message: string; readonly path: string | null };
}

export function errorReport(error: unknown): ErrorReport {
  if (error instanceof CapstanError) return { error: error.toJSON() };
  const message = error instanceof Error ? error.message : String(error);
  return { error: { code: 'internal', message, path: null } };
}

/** One line (or an indented block) for people: `capstan: requirements.memory: "abc" is not a size; ...`. */
export function formatErrorForHumans(error: unknown, file?: string): string {
  const { error: report } = errorReport(error);
  // Config and usage errors are not about the task file, whatever file was being worked on.
  const aboutTask = !['config.invalid', 'usage.invalid', 'backend.unknown', 'internal'].includes(report.code);
  const where = [aboutTask ? file : undefined, report.path].filter((part) => part !== undefined && part !== null).join(': ');
  return `capstan: ${where === '' ? '' : `${where}: `}${report.message}`;
}
