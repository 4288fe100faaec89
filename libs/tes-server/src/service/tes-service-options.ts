import { isAbsolute } from 'node:path';
import type { InjectionToken } from 'tsyringe';
import { z } from 'zod';
import { TES_SERVER_VERSION } from '../version';
import { DEFAULT_EVENT_BUFFER_SIZE } from './event-journal';

export const tesServiceOptionsSchema = z.strictObject({
  /** Holds `tasks/<id>/files` (each task's container paths on the host) and the engine's work folders. */
  dataDir: z.string().refine(isAbsolute, 'is a relative path; give an absolute folder, e.g. /var/lib/capstan/tes'),
  /** Tasks past QUEUED at once (downloading, running executors or uploading); the engine's resource ledger admits executors. */
  maxRunningTasks: z.int().min(1).max(100_000).default(64),
  /**
   * Accept and store tasks but start none: for maintenance of the backend (tasks wait QUEUED and run after a start
   * without it), and for measuring the create path alone.
   */
  paused: z.boolean().default(false),
  /** The backend executors run on when a task's `backend_parameters` names none. */
  defaultBackend: z.string().min(1),
  /** Backends a task may choose with the `backend` backend parameter; the default backend is always allowed. */
  selectableBackends: z.array(z.string().min(1)).default([]),
  /** How much of the end of each executor's stdout and stderr goes into its executor log (the FULL view). */
  logTailBytes: z.int().min(0).max(1_048_576).default(16_384),
  /** The largest task, as stored (JSON bytes): larger ones are refused with a 413 naming api.maxTaskBytes. */
  maxTaskBytes: z.int().min(1024).max(1024 * 1024 * 1024).default(4 * 1024 * 1024),
  /**
   * The labels naming this server's data folder on every container it makes (naming's holderLabels): at a restart
   * only containers carrying them are taken over, and the ones no unfinished task claims are removed.
   */
  holderLabels: z.record(z.string(), z.string()).default({}),
  /** How many of the last live events are kept for event-stream clients that reconnect with Last-Event-ID. */
  eventBufferSize: z.int().min(100).max(1_000_000).default(DEFAULT_EVENT_BUFFER_SIZE),
  /** Keep each task's files (`tasks/<id>`) after it ends, for debugging. */
  keepTaskFiles: z.boolean().default(false),
  serviceInfo: z
    .strictObject({
      id: z.string().min(1).default('org.capstan.tes'),
      name: z.string().min(1).default('Capstan TES'),
      organization: z.strictObject({ name: z.string().min(1), url: z.url() }).default({ name: 'Capstan', url: 'https://capstan.invalid' }),
      environment: z.string().optional(),
      contactUrl: z.string().optional(),
      documentationUrl: z.string().optional(),
    })
    .default({ id: 'org.capstan.tes', name: 'Capstan TES', organization: { name: 'Capstan', url: 'https://capstan.invalid' } }),
  /** Shown in service-info `storage`: the places inputs and outputs may be (e.g. file:///data/shared). */
  storage: z.array(z.string()).default([]),
  /** service-info's `version`: this package's own unless a deployment names its build. */
  version: z.string().min(1).default(TES_SERVER_VERSION),
});

export type TesServiceOptions = z.output<typeof tesServiceOptionsSchema>;
export const TesServiceOptions: InjectionToken<TesServiceOptions> = Symbol.for('capstan.tes.TesServiceOptions');

/** The `backend_parameters` keys this service reads. */
export const SUPPORTED_BACKEND_PARAMETERS = ['backend'] as const;
