import { type z } from 'zod';

/** The parts of zod's (v4) schema definitions that say which keys a configuration mapping has. */
interface SchemaDef {
  readonly type: string;
  readonly shape?: Readonly<Record<string, z.ZodType>>;
  readonly innerType?: z.ZodType;
  readonly in?: z.ZodType;
  readonly out?: z.ZodType;
  readonly valueType?: z.ZodType;
  readonly element?: z.ZodType;
}

/** Wrappers that do not change which keys a value may have. */
const WRAPPERS: ReadonlySet<string> = new Set(['default', 'prefault', 'optional', 'nullable', 'readonly', 'catch', 'nonoptional']);
/** Leaves that hold one value: a key below them is never valid. */
const SCALARS: ReadonlySet<string> = new Set(['string', 'number', 'int', 'boolean', 'bigint', 'enum', 'literal', 'array', 'tuple', 'date', 'null', 'template_literal']);

function defOf(schema: z.ZodType): SchemaDef {
  return (schema as unknown as { _zod: { def: SchemaDef } })._zod.def;
}

/** The schema that decides a value's shape, past defaults, optionals and transforms (a preprocess step reads its output). */
export function unwrapSchema(schema: z.ZodType): z.ZodType {
  let current = schema;
  for (;;) {
    const def = defOf(current);
    if (WRAPPERS.has(def.type) && def.innerType !== undefined) current = def.innerType;
    else if (def.type === 'pipe' && def.in !== undefined && def.out !== undefined) current = defOf(def.in).type === 'transform' ? def.out : def.in;
    else return current;
  }
}

/** The keys of the mapping at `path` below `schema`, when that is a mapping with fixed keys. */
export function objectKeysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] | undefined {
  let current: z.ZodType | undefined = unwrapSchema(schema);
  for (const segment of path) {
    const def: SchemaDef = defOf(current);
    const next: z.ZodType | undefined = def.type === 'object' ? def.shape?.[String(segment)] : def.type === 'record' ? def.valueType : def.type === 'array' ? def.element : undefined;
    if (next === undefined) return undefined;
    current = unwrapSchema(next);
  }
  const def = defOf(current);
  return def.type === 'object' && def.shape !== undefined ? Object.keys(def.shape) : undefined;
}

/** One setting a configuration schema accepts: a path of keys, and whether keys below it are the value's own (`open`). */
export interface SchemaSetting {
  readonly path: readonly string[];
  /** A mapping with free keys (registries by host), or a value parsed by its own code: any key below it may be set. */
  readonly open: boolean;
}

/** Every setting below `schema`: the leaves of its nested mappings. */
export function schemaSettings(schema: z.ZodType, prefix: readonly string[] = []): SchemaSetting[] {
  const def = defOf(unwrapSchema(schema));
  if (def.type === 'object' && def.shape !== undefined) {
    return Object.entries(def.shape).flatMap(([key, child]) => schemaSettings(child, [...prefix, key]));
  }
  return [{ path: prefix, open: !SCALARS.has(def.type) }];
}
