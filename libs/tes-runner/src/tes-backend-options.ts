import { capstanParser, CapstanError, ErrorCode, parseSize, parseWithSchema } from '@capstan/core-constraints';
import { isAbsolute } from 'node:path';
import { z } from 'zod';

/** Where the example in messages points: Capstan's own api on this machine. */
export const EXAMPLE_TES_URL = 'http://127.0.0.1:8000/ga4gh/tes/v1';

/**
 * The server's API base: absolute http(s), no credentials (they go in `auth`, never in a URL that ends up in logs and
 * errors), no query or fragment. A trailing slash is dropped so endpoints join with one.
 */
const urlSchema = capstanParser((value) => {
  const fail = (problem: string): never => {
    throw new CapstanError(ErrorCode.InvalidConfig, `${problem}; give the TES API base, e.g. "${EXAMPLE_TES_URL}"`);
  };
  if (typeof value !== 'string' || value.trim() === '') return fail('the TES url is not a non-empty string');
  const text = value.trim();
  if (!URL.canParse(text)) return fail(`"${text}" is not an absolute URL`);
  const url = new URL(text);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return fail(`"${text}" uses ${url.protocol}//, not http:// or https://`);
  if (url.username !== '' || url.password !== '') {
    throw new CapstanError(ErrorCode.InvalidConfig, 'the TES url holds credentials (user:password@); remove them from the url and set tes.auth instead, so they never appear in logs');
  }
  if (url.search !== '' || url.hash !== '') return fail(`"${text}" has a query or fragment`);
  return url.href.replace(/\/+$/, '');
});

/**
 * A credential. Its value is never shown, not even in the message about a wrong type (a number read from an
 * environment variable would otherwise be printed).
 */
const secretSchema = capstanParser((value) => {
  if (typeof value === 'string' && value !== '') return value;
  throw new CapstanError(
    ErrorCode.InvalidConfig,
    `the secret is ${typeof value === 'string' ? 'empty' : `a ${value === null ? 'null' : typeof value}, not a string`} (its value is not shown); write it as a quoted string`,
  );
});

const authUnion = z.discriminatedUnion(
  'type',
  [
    z.strictObject({ type: z.literal('none') }),
    z.strictObject({ type: z.literal('bearer'), token: secretSchema }),
    z.strictObject({ type: z.literal('basic'), username: z.string().min(1), password: secretSchema }),
  ],
  { error: 'the auth type must be "none", "bearer" (with token) or "basic" (with username and password)' },
);

/** `auth` as a whole: anything but a mapping is described without being shown (a token pasted in place of it). */
const authSchema = capstanParser((value) => {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new CapstanError(
      ErrorCode.InvalidConfig,
      'auth is not a mapping (its value is not shown: it may be a secret); write { type: none }, { type: bearer, token: ... } or { type: basic, username: ..., password: ... }',
    );
  }
  return parseWithSchema(authUnion, value, null);
});

const milliseconds = z.number().int().min(0);

const pathMappingSchema = z.strictObject({
  /** A host folder (absolute). */
  path: z.string().refine((path) => isAbsolute(path), { message: 'a mapped path must be an absolute host folder, such as "/data"' }),
  /** What the server calls that folder: a URL prefix, e.g. "file:///shared/data" or "s3://bucket/data". */
  url: z.string().refine((url) => URL.canParse(url), { message: 'a mapped url must be an absolute URL, such as "file:///shared/data"' }),
});

/** The `tes` section of Capstan's configuration. Every field has a default except `url`, so `{}` is valid. */
export const tesBackendOptionsSchema = z.strictObject({
  /** The TES API base (`.../ga4gh/tes/v1`); without it the backend is registered but not usable (probe says so). */
  url: urlSchema.optional(),
  auth: authSchema.default({ type: 'none' as const }),
  /** Time between two polls of the task list (one list call, paged, for all tasks of this backend instance). */
  pollIntervalMs: z.number().int().min(10).max(600_000).default(1000),
  /** Tasks per page of the poll's list call (TES: below 2048). */
  pageSize: z.number().int().min(1).max(2047).default(256),
  /** One HTTP request that has not answered after this long is given up (and retried). */
  requestTimeoutMs: z.number().int().min(1).default(30_000),
  /** How often a request failing with a network error, a timeout, a 5xx or a 429 is tried again. */
  retries: z.number().int().min(0).max(20).default(5),
  /** The wait before the first retry; it doubles with each retry (with jitter) up to `retryMaxDelayMs`. */
  retryDelayMs: milliseconds.default(250),
  /** The longest wait between two tries, also the cap on a server's Retry-After. */
  retryMaxDelayMs: milliseconds.default(10_000),
  /** Polls failing for this long end the server's running attempts with end reason `lost`. */
  unreachableTimeoutMs: milliseconds.default(600_000),
  /** After a cancel request, how long to wait for the server to report a final state. */
  cancelWaitMs: milliseconds.default(60_000),
  /**
   * Host folders the server knows under another URL (a shared filesystem mounted elsewhere, a synced bucket). A
   * path under none of them is sent as its own file:// URL.
   */
  pathMappings: z.array(pathMappingSchema).default([]),
  /** The most cpu one task may ask for (the server schedules; this only lets Capstan refuse impossible tasks early). */
  maxCpuPerTask: z.number().positive().default(64),
  /** The most memory one task may ask for, in bytes or as a size string. */
  maxMemoryPerTask: capstanParser((value) => parseSize(value)).default(512 * 1024 ** 3),
});

/** What a user may write (every field optional). */
export type TesBackendOptionsInput = z.input<typeof tesBackendOptionsSchema>;
/** The options with every default filled in. */
export type TesBackendOptions = z.output<typeof tesBackendOptionsSchema>;
/** How the client authenticates: none, a bearer token or basic credentials. */
export type TesAuth = TesBackendOptions['auth'];
export type PathMapping = TesBackendOptions['pathMappings'][number];

/** Validates the `tes` section; the error (`config.invalid`) names the field under `path`, e.g. `tes.auth.token`. */
export function parseTesBackendOptions(value: unknown, path = 'tes'): TesBackendOptions {
  try {
    return parseWithSchema(tesBackendOptionsSchema, value ?? {}, path);
  } catch (error) {
    if (!(error instanceof CapstanError)) throw error;
    // An error's details hold the offending value; under `auth` that may be a credential, so they are dropped there.
    const secret = error.path !== null && error.path.split('.').includes('auth');
    const details = secret ? {} : error.details;
    throw new CapstanError(ErrorCode.InvalidConfig, error.message, { path: error.path, cause: secret ? undefined : error.cause, details });
  }
}
