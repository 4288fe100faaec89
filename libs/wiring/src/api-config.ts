import { capstanParser, parseSize } from '@capstan/core-constraints';
import { DEFAULT_EVENT_STREAMS, DEFAULT_LIST_BUDGET_BYTES, DEFAULT_RATE_LIMIT, tesServiceOptionsSchema } from '@capstan/tes-server/internal-options';
import { z } from 'zod';
import { durationSchema } from './duration';
import { transferSectionSchema } from './transfer-section';

// Apart from tes-server.ts: every CLI command validates the `api` section (it shares the config file), and importing
// the server's start-up from here would load fastify, SQLite and Swagger into `capstan run`.

/** The principal of `api.auth.token` (`CAPSTAN_API__AUTH__TOKEN`), the one-client setup. */
export const DEFAULT_PRINCIPAL = 'default';

/** The `api` section of Capstan's configuration: the TES server. */
export const apiConfigSchema = z.strictObject({
  host: z.string().min(1).default('127.0.0.1'),
  port: z.int().min(0).max(65_535).default(8000),
  /** The task database, each task's files and the engine's work folders; relative to the working folder. */
  dataDir: z.string().min(1).default('capstan-tes'),
  /**
   * Who may call, and as which principal. Authentication is on unless `disabled: true`, which is allowed only when
   * `host` is a loopback address (then everyone is one anonymous admin). `tokenFile` (`--token-file`): a YAML list of
   * `{name, token, admin?}`, mode 0600. `token`: one token, principal "default", best given as the variable
   * `CAPSTAN_API__AUTH__TOKEN` (not visible in `ps`). `tokens` (`--token`): principals token-1, token-2, ... by place.
   * `users`: principals that sign in with HTTP Basic, each with a scrypt password hash.
   */
  auth: z
    .strictObject({
      tokens: z.array(z.string()).optional(),
      token: z.string().optional(),
      tokenFile: z.string().min(1).optional(),
      /** HTTP Basic users beside the tokens: `{name, passwordHash, admin?}`, the hash scrypt (never a password). */
      users: z.array(z.strictObject({ name: z.string(), passwordHash: z.string(), admin: z.boolean().optional() })).optional(),
      disabled: z.boolean().optional(),
    })
    .default({}),
  bodyLimitBytes: capstanParser((value) => Number(parseSize(value))).default(4 * 1024 * 1024),
  /** The largest task as stored (JSON), e.g. `4 MiB`; larger ones get a 413 naming this key. */
  maxTaskBytes: capstanParser((value) => Number(parseSize(value))).default(4 * 1024 * 1024),
  /** A list page's JSON stays under this (the page ends early, with a next_page_token). */
  listBudgetBytes: capstanParser((value) => Number(parseSize(value))).default(DEFAULT_LIST_BUDGET_BYTES),
  /** Requests per principal per window on the task routes (429 with Retry-After beyond); max 0 turns it off. */
  rateLimit: z
    .strictObject({ max: z.int().min(0).default(DEFAULT_RATE_LIMIT.max), windowSeconds: z.int().min(1).max(86_400).default(DEFAULT_RATE_LIMIT.windowSeconds) })
    .default({ ...DEFAULT_RATE_LIMIT }),
  /**
   * The live event streams (GET /ga4gh/tes/v1/events): events kept for reconnecting clients, open streams in all and
   * per principal, seconds between heartbeats, bytes waiting for a slow client before its stream is dropped.
   */
  events: z
    .strictObject({
      bufferSize: tesServiceOptionsSchema.shape.eventBufferSize,
      maxStreams: z.int().min(1).max(100_000).default(DEFAULT_EVENT_STREAMS.maxStreams),
      maxStreamsPerPrincipal: z.int().min(1).max(100_000).default(DEFAULT_EVENT_STREAMS.maxStreamsPerPrincipal),
      heartbeatSeconds: z.number().min(0.1).max(3600).default(DEFAULT_EVENT_STREAMS.heartbeatSeconds),
      maxPendingBytes: capstanParser((value) => Number(parseSize(value))).default(DEFAULT_EVENT_STREAMS.maxPendingBytes),
    })
    .prefault({}),
  /** Finished tasks and their folders are deleted this long after they finished (`30d`); off by default. */
  retention: z
    .strictObject({
      finishedTaskAge: durationSchema.prefault('off'),
      sweepInterval: durationSchema.prefault('1h'),
      batchSize: z.int().min(1).max(10_000).default(500),
    })
    .prefault({}),
  maxRunningTasks: tesServiceOptionsSchema.shape.maxRunningTasks,
  paused: tesServiceOptionsSchema.shape.paused,
  selectableBackends: tesServiceOptionsSchema.shape.selectableBackends,
  logTailBytes: tesServiceOptionsSchema.shape.logTailBytes,
  keepTaskFiles: tesServiceOptionsSchema.shape.keepTaskFiles,
  serviceInfo: tesServiceOptionsSchema.shape.serviceInfo,
  // Prefault, not `.default(parse({}))`: every command builds this schema, and a parse at import cost each of them.
  transfer: transferSectionSchema.prefault({}),
  /**
   * Allows a backend that runs commands on this host without a container (`local`): every client's command then runs
   * as the server's own user. Off unless the operator says so (`--run-client-commands-on-host`).
   */
  runClientCommandsOnHost: z.boolean().default(false),
});
export type ApiConfig = z.output<typeof apiConfigSchema>;
