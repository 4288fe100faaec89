// The public API of @capstan/tes-server (reviewed in api/tes-server.api.md): named exports only.
export { type TesEventFeed, type TesListResult, type TesMetricsSnapshot, TesService } from './service/tes-service';
export { DEFAULT_EVENT_BUFFER_SIZE, type EventJournal, type JournalEntry, type Resumption, type TesStreamEvent } from './service/event-journal';
export { type TaskCreatedEvent } from './service/task-created';
export { USAGE_KEY_PREFIX } from '@capstan/tes-model';
export { TesServiceOptions, tesServiceOptionsSchema } from './service/tes-service-options';
export { TES_SERVER_VERSION } from './version';
export { type Principal } from './service/principal';
export { EngineTesService, type TesServiceEvent } from './service/engine-tes-service';
export { createTesHttpServer, type TesHttpServer } from './http/create-tes-http-server';
export {
  DEFAULT_EVENT_STREAMS,
  DEFAULT_LIST_BUDGET_BYTES,
  DEFAULT_RATE_LIMIT,
  type LogSink,
  type TesHttpOptionsInput,
  tesHttpOptionsSchema,
} from './http/tes-http-options';
export { tokenProblem } from './http/token-strength';
export { type PrincipalToken } from './http/bearer-tokens';
export { type HistogramSnapshot } from './service/histogram';
export { type RetentionSettings, TaskRetention } from './service/task-retention';
