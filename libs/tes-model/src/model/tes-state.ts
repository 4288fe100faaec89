import { z } from 'zod';

/** Every `tesState`, in the spec's order. */
export const TES_STATES = [
  'UNKNOWN',
  'QUEUED',
  'INITIALIZING',
  'RUNNING',
  'PAUSED',
  'COMPLETE',
  'EXECUTOR_ERROR',
  'SYSTEM_ERROR',
  'CANCELED',
  'PREEMPTED',
  'CANCELING',
] as const;

/** `tesState`: read-only, set by the server. The spec's default, for a message without a state, is `UNKNOWN`. */
export const tesStateSchema = z.enum(TES_STATES);
export type TesState = z.infer<typeof tesStateSchema>;

export const DEFAULT_TES_STATE: TesState = 'UNKNOWN';
