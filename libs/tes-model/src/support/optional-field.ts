import { z } from 'zod';

/**
 * An optional field that also takes JSON `null` as "not given", as protobuf-JSON servers such as Funnel do, and as
 * clients that serialise unset fields as null send it. The output never holds null.
 */
export function optional<T extends z.ZodType>(schema: T) {
  return z.preprocess((value) => (value === null ? undefined : value), schema.optional());
}

/** A field with the spec's default, filled when the field is missing or null. */
export function withDefault<T extends z.ZodType>(schema: T, value: z.util.NoUndefined<z.output<T>>) {
  return z.preprocess((input) => (input === null ? undefined : input), schema.default(value));
}
