import { z } from 'zod';

const MAX_INT64 = 2n ** 63n - 1n;

/** A non-negative int64 written as a string of decimal digits, as the spec codes `size_bytes` (JSON has no int64). */
export const int64StringSchema = z.string().refine((text) => /^(0|[1-9][0-9]{0,18})$/.test(text) && BigInt(text) <= MAX_INT64, {
  error: (issue) => `is ${JSON.stringify(issue.input)}, not a size in bytes written as a string of digits, e.g. "1024"`,
});

/** `tesOutputFileLog`: one uploaded file (directory outputs are flattened into one entry per file). */
export const tesOutputFileLogSchema = z.object({
  url: z.string(),
  path: z.string(),
  size_bytes: int64StringSchema,
});
export type TesOutputFileLog = z.infer<typeof tesOutputFileLogSchema>;
