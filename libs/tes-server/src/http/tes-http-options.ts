import { CapstanError, describeValue, ErrorCode, formatBytes, joinPath } from '@capstan/core-constraints';
import { z } from 'zod';
import { isLoopbackHost } from './loopback-host';
import { passwordHashProblem } from './basic-users';
import { TOKEN_FIX, tokenProblem } from './token-strength';

/** 4 MiB: gRPC's default message limit, which Funnel (the reference TES server) inherits; far above a usual task. */
export const DEFAULT_BODY_LIMIT_BYTES = 4 * 1024 * 1024;
const MAX_BODY_LIMIT_BYTES = 1024 * 1024 * 1024;
/** A list page's JSON stays under this many bytes unless its first task alone is larger (FULL views of big tasks). */
export const DEFAULT_LIST_BUDGET_BYTES = 4 * 1024 * 1024;
/** Requests per principal per window on the task routes; service-info, /metrics and the docs are not counted. */
export const DEFAULT_RATE_LIMIT = { max: 1200, windowSeconds: 60 } as const;
const PRINCIPAL_NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;

/** Where the request log goes: anything with a `write(line)`, such as a file stream or process.stdout. */
export interface LogSink {
  write(line: string): unknown;
}

// Token values never appear in these messages: an error message may end up in a log or a terminal scroll-back.
const tokenSchema = z.string({ error: (issue) => `is ${describeValue(issue.input)}, not a string; ${TOKEN_FIX}` });

const principalSchema = z
  .object(
    {
      name: z
        .string({ error: (issue) => `is ${describeValue(issue.input)}, not a name; give each principal a name such as "alice" or "pipeline-1"` })
        .regex(PRINCIPAL_NAME, { error: (issue) => `is ${describeValue(issue.input)}; a principal's name is 1 to 64 letters, digits and . _ @ -, starting with a letter or digit` }),
      token: tokenSchema,
      admin: z.boolean({ error: (issue) => `is ${describeValue(issue.input)}, not true or false` }).default(false),
    },
    { error: (issue) => `is ${describeValue(issue.input)}, not a principal; write { name: "alice", token: "<token>", admin: false }` },
  )
  .strict();

// The hash is never quoted: it is a secret's digest, and an error message may end up in a log.
const userSchema = z
  .object(
    {
      name: principalSchema.shape.name,
      passwordHash: z
        .string({ error: (issue) => `is ${describeValue(issue.input)}, not a string; give the scrypt hash of the user's password (never the password itself)` })
        .superRefine((hash, context) => {
          const problem = passwordHashProblem(hash);
          if (problem !== undefined) context.addIssue({ code: 'custom', message: problem });
        }),
      admin: principalSchema.shape.admin,
    },
    { error: (issue) => `is ${describeValue(issue.input)}, not a user; write { name: "alice", passwordHash: "scrypt$16384$8$1$<salt>$<key>", admin: false }` },
  )
  .strict();

/** The principal a plain token (`auth.tokens`, `--token`) names: by its place in the list. */
export function plainTokenName(index: number): string {
  return `token-${index + 1}`;
}

const authSchema = z
  .object(
    {
      tokens: z
        .array(tokenSchema, {
          error: (issue) => `is ${typeof issue.input === 'string' ? 'one string' : describeValue(issue.input)}, not a list of tokens; write tokens: ["<token>"]`,
        })
        .optional(),
      /** Named principals, each with its own token; admins see every task. */
      principals: z.array(principalSchema, { error: (issue) => `is ${describeValue(issue.input)}, not a list of principals; write principals: [{ name: "alice", token: "<token>" }]` }).optional(),
      /** Principals that sign in with HTTP Basic (user name and password), held as scrypt hashes. */
      users: z.array(userSchema, { error: (issue) => `is ${describeValue(issue.input)}, not a list of users; write users: [{ name: "alice", passwordHash: "scrypt$..." }]` }).optional(),
      disabled: z.boolean({ error: (issue) => `is ${describeValue(issue.input)}, not true or false` }).optional(),
    },
    {
      error: (issue) =>
        issue.input === undefined
          ? 'is missing; authentication is on by default: give auth: { tokens: ["<token>"] } (generate one with `openssl rand -hex 32`), or auth: { disabled: true } on a loopback host'
          : `is ${describeValue(issue.input)}, not a mapping; write auth: { tokens: ["<token>"] } or auth: { disabled: true }`,
    },
  )
  .strict()
  .superRefine((auth, context) => {
    const tokens = [...(auth.tokens ?? []), ...(auth.principals ?? []).map((principal) => principal.token)];
    const credentials = tokens.length + (auth.users ?? []).length;
    checkPrincipals(auth, context);
    if (auth.disabled === true && credentials > 0) {
      context.addIssue({ code: 'custom', message: 'has both credentials (tokens or users) and disabled: true; keep them to require them, or remove them to serve without authentication' });
    } else if (auth.disabled !== true && credentials === 0) {
      context.addIssue({
        code: 'custom',
        path: ['tokens'],
        message: `is ${auth.tokens === undefined ? 'missing' : 'empty'}; give at least one bearer token (${TOKEN_FIX}) or principal (auth.principals, a tokens file), or set auth.disabled: true to serve without authentication on a loopback host`,
      });
    }
  });

/** Each token strong enough, each name and token used once; messages name the principal, never the token. */
function checkPrincipals(
  auth: { tokens?: string[] | undefined; principals?: Array<{ name: string; token: string }> | undefined; users?: Array<{ name: string }> | undefined },
  context: z.core.$RefinementCtx,
): void {
  const entries = [
    ...(auth.tokens ?? []).map((token, index) => ({ name: plainTokenName(index), token, path: ['tokens', index], what: `(the token of principal "${plainTokenName(index)}")` })),
    ...(auth.principals ?? []).map((principal, index) => ({ ...principal, path: ['principals', index, 'token'], what: `(the token of principal "${principal.name}")` })),
  ];
  const names = new Set<string>();
  const tokens = new Set<string>();
  for (const entry of entries) {
    const problem = tokenProblem(entry.token);
    if (problem !== undefined) context.addIssue({ code: 'custom', path: entry.path, message: `${entry.what} ${problem}` });
    else if (tokens.has(entry.token)) context.addIssue({ code: 'custom', path: entry.path, message: `${entry.what} is the token of an earlier principal too; give each principal its own token (${TOKEN_FIX})` });
    if (names.has(entry.name)) context.addIssue({ code: 'custom', path: [...entry.path.slice(0, -1), 'name'], message: `is "${entry.name}", the name of an earlier principal; give each principal its own name` });
    names.add(entry.name);
    tokens.add(entry.token);
  }
  // A user is the same kind of principal as a token's: one name, one principal, whichever way it signs in.
  for (const [index, user] of (auth.users ?? []).entries()) {
    if (names.has(user.name)) context.addIssue({ code: 'custom', path: ['users', index, 'name'], message: `is "${user.name}", the name of an earlier principal; give each principal its own name` });
    names.add(user.name);
  }
}

const byteCount = (what: string, minimum: number, fallback: number) =>
  z
    .int({ error: (issue) => `is ${describeValue(issue.input)}, not a whole number of bytes; e.g. ${fallback}` })
    .min(minimum, { error: (issue) => `is ${describeValue(issue.input)}, below the minimum of ${minimum} bytes for ${what}` })
    .default(fallback);

const rateLimitSchema = z
  .object({
    /** Requests a principal may make per window on the task routes; 0 turns the limit off. */
    max: z.int({ error: (issue) => `is ${describeValue(issue.input)}, not a whole number; e.g. ${DEFAULT_RATE_LIMIT.max}, or 0 for no limit` }).min(0).default(DEFAULT_RATE_LIMIT.max),
    windowSeconds: z.int({ error: (issue) => `is ${describeValue(issue.input)}, not a whole number of seconds; e.g. ${DEFAULT_RATE_LIMIT.windowSeconds}` }).min(1).max(86_400).default(DEFAULT_RATE_LIMIT.windowSeconds),
  })
  .strict()
  .default({ ...DEFAULT_RATE_LIMIT });

export const DEFAULT_EVENT_STREAMS = { maxStreams: 64, maxStreamsPerPrincipal: 4, heartbeatSeconds: 15, maxPendingBytes: 1024 * 1024 } as const;

const wholeNumber = (what: string, minimum: number, maximum: number, fallback: number) =>
  z
    .int({ error: (issue) => `is ${describeValue(issue.input)}, not a whole number of ${what}; e.g. ${fallback}` })
    .min(minimum, { error: (issue) => `is ${describeValue(issue.input)}, below the minimum of ${minimum} ${what}` })
    .max(maximum, { error: (issue) => `is ${describeValue(issue.input)}, above the maximum of ${maximum} ${what}` })
    .default(fallback);

const eventStreamsSchema = z
  .object({
    maxStreams: wholeNumber('streams', 1, 100_000, DEFAULT_EVENT_STREAMS.maxStreams),
    maxStreamsPerPrincipal: wholeNumber('streams', 1, 100_000, DEFAULT_EVENT_STREAMS.maxStreamsPerPrincipal),
    heartbeatSeconds: z
      .number({ error: (issue) => `is ${describeValue(issue.input)}, not a number of seconds; e.g. ${DEFAULT_EVENT_STREAMS.heartbeatSeconds}` })
      .min(0.1)
      .max(3600)
      .default(DEFAULT_EVENT_STREAMS.heartbeatSeconds),
    maxPendingBytes: byteCount('the bytes waiting for a slow event stream', 4096, DEFAULT_EVENT_STREAMS.maxPendingBytes),
  })
  .strict()
  .default({ ...DEFAULT_EVENT_STREAMS });

export const tesHttpOptionsSchema = z
  .object(
    {
      /**
       * The address the server will listen on (pass the same to `listen`). Checked here so that `auth.disabled` can
       * be refused on anything but loopback, and again per request against the address the connection arrived on.
       */
      host: z
        .string({ error: (issue) => `is ${describeValue(issue.input)}, not an address; give the address to listen on, e.g. "127.0.0.1" or "0.0.0.0"` })
        .trim()
        .min(1, { error: 'is empty; give the address to listen on, e.g. "127.0.0.1" or "0.0.0.0"' }),
      auth: authSchema,
      /** The largest request body, in bytes; larger bodies get a 413. */
      bodyLimitBytes: z
        .int({ error: (issue) => `is ${describeValue(issue.input)}, not a whole number of bytes; e.g. ${DEFAULT_BODY_LIMIT_BYTES} (4 MiB, the default)` })
        .min(1024, { error: (issue) => `is ${describeValue(issue.input)}, below the minimum of 1024 bytes; e.g. ${DEFAULT_BODY_LIMIT_BYTES} (4 MiB, the default)` })
        .max(MAX_BODY_LIMIT_BYTES, { error: (issue) => `is ${describeValue(issue.input)}, above the maximum of ${MAX_BODY_LIMIT_BYTES} bytes (1 GiB); put large input content behind a URL instead` })
        .default(DEFAULT_BODY_LIMIT_BYTES),
      /**
       * The name under which the user sets `bodyLimitBytes` (the app's config key or flag), quoted in 413 answers so
       * that the person who hits the limit knows what to raise.
       */
      bodyLimitSetting: z
        .string({ error: (issue) => `is ${describeValue(issue.input)}, not a string; give the config key that sets the body limit` })
        .min(1, { error: 'is empty; give the config key that sets the body limit, e.g. "server.bodyLimitBytes"' })
        .default('bodyLimitBytes'),
      /** A list page's JSON is kept under this; the page ends early with a next_page_token instead. */
      listBudgetBytes: byteCount('a list page', 16 * 1024, DEFAULT_LIST_BUDGET_BYTES),
      /** Per-principal request rate on the task routes (429 with Retry-After beyond it). */
      rateLimit: rateLimitSchema,
      /**
       * The live event streams (GET /ga4gh/tes/v1/events): open streams in all and per principal (429 beyond),
       * seconds between heartbeats, and the bytes a stream may have waiting for a slow client before it is dropped.
       */
      events: eventStreamsSchema,
      /**
       * The folder of the built dashboard (index.html and the files it names), served at `/`; absent: `/` answers a
       * page that says the dashboard is not in this build. Read once, when the server is created.
       */
      dashboardDir: z.string({ error: (issue) => `is ${describeValue(issue.input)}, not a folder path; give the folder the dashboard build wrote, e.g. "dist/apps/api/dashboard"` }).min(1).optional(),
      /** One JSON line per request goes here. Default: process.stdout. */
      logStream: z
        .custom<LogSink>((value) => typeof (value as Partial<LogSink> | null)?.write === 'function', {
          error: (issue) => `is ${describeValue(issue.input)}, not a writable stream; give a stream with write(), e.g. process.stdout or fs.createWriteStream(file)`,
        })
        .optional(),
    },
    { error: (issue) => `is ${describeValue(issue.input)}, not a mapping; give the server options as an object` },
  )
  .strict()
  .superRefine((options, context) => {
    if (options.auth.disabled === true && !isLoopbackHost(options.host)) {
      context.addIssue({
        code: 'custom',
        path: ['auth', 'disabled'],
        message: `is true while the server is to listen on ${JSON.stringify(options.host)}, which is not a loopback address; anyone who can reach it could run containers. Give auth.tokens, or listen on 127.0.0.1, ::1 or localhost`,
      });
    }
  });

export type TesHttpOptionsInput = z.input<typeof tesHttpOptionsSchema>;
export type TesHttpOptions = z.output<typeof tesHttpOptionsSchema> & { readonly logStream: LogSink };

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') {
    const known = issue.path.length === 0
      ? 'host, auth, bodyLimitBytes, bodyLimitSetting, listBudgetBytes, rateLimit, events, logStream'
      : issue.path[0] === 'rateLimit'
        ? 'max, windowSeconds'
        : issue.path[0] === 'events'
          ? 'maxStreams, maxStreamsPerPrincipal, heartbeatSeconds, maxPendingBytes'
        : issue.path[1] === 'principals'
          ? 'name, token, admin'
          : issue.path[1] === 'users'
            ? 'name, passwordHash, admin'
            : 'tokens, principals, users, disabled';
    return `has the unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((key) => JSON.stringify(key)).join(', ')}; the known keys are ${known}`;
  }
  return issue.message;
}

/**
 * Reads the HTTP server's options. Throws a CapstanError (`config.invalid`) whose path is the option
 * (`auth.tokens.0`, `bodyLimitBytes`) and whose message names the value (never a token's) and the fix.
 */
export function parseTesHttpOptions(input: unknown, stdout: LogSink = process.stdout): TesHttpOptions {
  const result = tesHttpOptionsSchema.safeParse(input);
  if (result.success) return { ...result.data, logStream: result.data.logStream ?? stdout };
  const issue = result.error.issues[0];
  const path = joinPath(...(issue?.path.map(String) ?? []));
  const predicate = issue === undefined ? 'is invalid' : describeIssue(issue);
  // The options as a whole are plural: "the TES server options are nothing, ...".
  const message = path === null ? `the TES server options ${predicate.replace(/^is /, 'are ').replace(/^has /, 'have ')}` : `${path} ${predicate}`;
  throw new CapstanError(ErrorCode.InvalidConfig, message, { path });
}

/** `4194304 bytes (4 MiB)`. */
export function describeBodyLimit(bytes: number): string {
  return `${bytes} bytes (${formatBytes(bytes)})`;
}
