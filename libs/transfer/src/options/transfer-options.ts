import { isAbsolute, resolve } from 'node:path';
import { capstanParser, GIB, parseSize, parseWithSchema } from '@capstan/core-constraints';
import { z } from 'zod';
import { isAddressBlock } from '../address/address-policy';

const wholeMilliseconds = z.number().int().min(0);

const absoluteFolder = z
  .string()
  .refine((value) => isAbsolute(value), { message: 'an allowed root must be an absolute host folder, such as "/data"' })
  .transform((value) => resolve(value));

const addressBlock = z.string().refine((value) => isAddressBlock(value), {
  message: 'must be an IP address or a CIDR block, such as "10.1.0.0/16", "127.0.0.1/32" or "fd00::/8"',
});

/** Transfer settings as they are written in a config file (sizes may be strings such as "10 GiB"). */
export const transferOptionsSchema = z.strictObject({
  /** Host folders file:// URLs may read from (inputs) and write to (outputs). Empty: file:// is refused. */
  allowedRoots: z.array(absoluteFolder).default([]),
  /**
   * Addresses http(s) transfers may reach although they are loopback, link-local, private or otherwise internal
   * (refused by default: a task's URLs come from untrusted clients). Empty: only public addresses.
   */
  allowAddresses: z.array(addressBlock).default([]),
  /** The most one input may bring in (a file, or all files of a directory), in bytes or as a size string. */
  maxInputBytes: capstanParser((value) => parseSize(value)).default(64 * GIB),
  /** How many times a failed http(s) request is tried again (so `retries + 1` attempts in all). */
  retries: z.number().int().min(0).max(20).default(3),
  /** The wait before the first retry; it doubles with each retry (with jitter), up to `maxBackoffMs`. */
  backoffMs: wholeMilliseconds.default(500),
  maxBackoffMs: wholeMilliseconds.default(30_000),
  /** The longest a server's Retry-After is honoured; a longer one is cut to this. */
  maxRetryAfterMs: wholeMilliseconds.default(60_000),
  /** A request that sends or receives no byte for this long is given up (and retried). */
  timeoutMs: z.number().int().min(1).default(60_000),
  /** The least time between two progress events of one transfer (the first and the last are always sent). */
  progressIntervalMs: wholeMilliseconds.default(1_000),
});

export type TransferOptions = z.input<typeof transferOptionsSchema>;
export type TransferSettings = Readonly<z.output<typeof transferOptionsSchema>>;

/** Validates transfer options; errors are CapstanErrors whose path sits under `path` (e.g. `transfer`). */
export function parseTransferOptions(value: unknown, path: string | null = null): TransferSettings {
  const parsed = parseWithSchema(transferOptionsSchema, value ?? {}, path);
  return Object.freeze({ ...parsed, allowedRoots: Object.freeze([...new Set(parsed.allowedRoots)]) as string[] });
}
