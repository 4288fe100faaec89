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
  const where = [file, report.path].filter((part) => part !== undefined && part !== null).join(': ');
  return `capstan: ${where === '' ? '' : `${where}: `}${report.message}`;
}
