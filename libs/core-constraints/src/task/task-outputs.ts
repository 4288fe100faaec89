import { z } from 'zod';
import { CapstanError, ErrorCode } from '../errors/capstan-error';
import { lazySchema } from '../schema/lazy-schema';
import { joinPath, parseWithSchema } from '../schema/zod-bridge';

/** One declared output: a glob relative to the work dir, under a name (the pattern itself in the list form). */
export interface TaskOutput {
  readonly name: string;
  readonly pattern: string;
  /** A required output that matches no file fails the task (`missing_output`); an optional one is a warning. */
  readonly optional: boolean;
}

/** Output names become folder-free manifest keys: no separators, no leading dot. */
const OUTPUT_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

type OutputEntry = string | { readonly name?: string | undefined; readonly pattern: string; readonly optional: boolean };

// Built at the first task that declares outputs (lazySchema), not when the module is imported.
const outputsSchema = lazySchema(() => {
  const patternSchema = z.string().trim().min(1);
  const objectSchema = z.strictObject({ name: z.string().optional(), pattern: patternSchema, optional: z.boolean().default(false) });
  const entrySchema = z.union([patternSchema, objectSchema], {
    error: 'an output is a glob such as "*.bam" (a trailing "?" makes it optional), or { pattern, optional }',
  });
  return z.union([z.array(entrySchema), z.record(z.string(), entrySchema)], {
    error: 'outputs is a list of globs, or a mapping from output names to globs, e.g. { bam: "*.bam", log: "run.log?" }',
  });
});

/**
 * Reads `outputs` in either form. In a string, a trailing `?` marks the output optional (and is not part of the
 * glob); the object form takes its pattern literally, for a glob that really ends in a one-character wildcard.
 */
export function parseTaskOutputs(raw: unknown): TaskOutput[] {
  if (raw === undefined || raw === null) return [];
  const parsed = parseWithSchema(outputsSchema(), raw, 'outputs');
  const entries: Array<[string | undefined, OutputEntry, string | null]> = Array.isArray(parsed)
    ? parsed.map((entry, index) => [undefined, entry, joinPath('outputs', index)])
    : Object.entries(parsed).map(([name, entry]) => [name, entry, joinPath('outputs', name)]);
  const seen = new Map<string, string | null>();
  return entries.map(([key, entry, path]) => {
    const output = toOutput(key, entry, path);
    const earlier = seen.get(output.name);
    if (earlier !== undefined) {
      throw new CapstanError(ErrorCode.InvalidValue, `output name "${output.name}" is already used by ${earlier}; give each output its own name`, { path, details: { value: output.name } });
    }
    seen.set(output.name, path);
    return output;
  });
}

function toOutput(key: string | undefined, entry: OutputEntry, path: string | null): TaskOutput {
  const optionalMark = typeof entry === 'string' && entry.endsWith('?');
  const pattern = typeof entry === 'string' ? (optionalMark ? entry.slice(0, -1).trimEnd() : entry) : entry.pattern;
  const optional = typeof entry === 'string' ? optionalMark : entry.optional;
  const fieldPath = typeof entry === 'string' ? path : joinPath(path, 'pattern');
  if (pattern === '') throw new CapstanError(ErrorCode.InvalidValue, `output "${String(entry)}" has no pattern before its "?"; give a glob such as "run.log?"`, { path });
  checkOutputPattern(pattern, fieldPath);
  const given = key ?? (typeof entry === 'string' ? undefined : entry.name);
  const name = given ?? pattern;
  if (given !== undefined && !OUTPUT_NAME.test(given)) {
    throw new CapstanError(
      ErrorCode.InvalidValue,
      `output name ${JSON.stringify(name)} is not a name; use letters, digits, "_", "." and "-" (at most 128, not starting with "." or "-"), e.g. "bam"`,
      { path: key === undefined ? joinPath(path, 'name') : path, details: { value: name } },
    );
  }
  return { name, pattern, optional };
}

function checkOutputPattern(pattern: string, path: string | null): void {
  if (pattern.startsWith('/')) {
    throw new CapstanError(ErrorCode.InvalidValue, `output pattern "${pattern}" is absolute; outputs are globs relative to the work dir, e.g. "${pattern.replace(/^\/+/, '')}"`, { path });
  }
  if (pattern.split('/').includes('..')) {
    throw new CapstanError(ErrorCode.InvalidValue, `output pattern "${pattern}" leaves the work dir with ".."; outputs must stay inside the work dir`, { path });
  }
}
