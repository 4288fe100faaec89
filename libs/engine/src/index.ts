// The public API of @capstan/engine (reviewed in api/engine.api.md): named exports only.
export { type Plan, type RunOptions, TaskEngine } from './engine';
export { DEFAULT_ENGINE_OPTIONS, EngineOptions, type RemoteFiles } from './engine-options';
export { type AdmissionBody, type EngineEvent, type EventContext, type TaskState } from './events/engine-event';
export { type OutputFile } from './run/collect-outputs';
export { type PublishedOutput } from './run/publish-outputs';
export { type AttemptRecord, type PhaseTimes, type TaskResult } from './run/task-result';
export { type EngineConfig, engineConfigSchema } from './config/capstan-config';
export { type ConfigSources, type LazySchema, type LazySections, loadConfig, type LoadedConfig } from './config/load-config';
export { type Route, routeTask } from './routing/route-task';
export { BACKEND_NAME_PATTERN, type RouteRule, routeRuleSchema, type Routing } from './routing/routing-config';
export { type NamedBackend } from './config/named-backends';
