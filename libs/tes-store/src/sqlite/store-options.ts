import { CapstanError, ErrorCode, parseWithSchema } from '@capstan/core-constraints';
import { z } from 'zod';

/** The in-memory database: nothing is written to disk, nothing survives `close`. For tests and trials. */
export const IN_MEMORY = ':memory:';

const fileSchema = z.string().refine((file) => file.trim() !== '' && !file.includes('\0'), {
  error: (issue) =>
    `${JSON.stringify(issue.input)} is not a file path (blank, or holds a NUL byte); give the task database's path, e.g. "/var/lib/capstan/tes-tasks.sqlite", or "${IN_MEMORY}" for a store that keeps nothing`,
  params: { capstanCode: ErrorCode.InvalidConfig },
});

export const sqliteTesTaskStoreOptionsSchema = z.strictObject({
  /** The SQLite data file (its folder is created when missing), or `:memory:`. One server per file. */
  file: fileSchema,
});

export type SqliteTesTaskStoreOptions = z.output<typeof sqliteTesTaskStoreOptionsSchema>;

/**
 * Validates the store's options. Errors are `config.invalid` with the field as path (`file`); a caller that reads them
 * from a config section puts its own path in front with `error.under('tes.store')`.
 */
export function parseSqliteTesTaskStoreOptions(value: unknown): SqliteTesTaskStoreOptions {
  try {
    return parseWithSchema(sqliteTesTaskStoreOptionsSchema, value, null);
  } catch (error) {
    if (!(error instanceof CapstanError) || error.code === ErrorCode.InvalidConfig) throw error;
    throw new CapstanError(ErrorCode.InvalidConfig, error.message, { path: error.path, cause: error.cause, details: error.details });
  }
}
