// The GA4GH TES v1.1 data model and its rules, shared by the TES server (apps/api) and the TES client backend
// (libs/tes-runner): schemas, validation of submitted tasks, views, states, list queries, ids and timestamps.
// The public API of @capstan/tes-model (reviewed in api/tes-model.api.md): named exports only.
export { DEFAULT_TES_STATE, TES_STATES, type TesState, tesStateSchema } from './model/tes-state';
export { DEFAULT_FILE_TYPE, TES_FILE_TYPES, type TesFileType, tesFileTypeSchema } from './model/tes-file-type';
export { type TesExecutor, tesExecutorSchema } from './model/tes-executor';
export { type TesInput, tesInputSchema } from './model/tes-input';
export { type TesOutput, tesOutputSchema } from './model/tes-output';
export { type TesResources, tesResourcesSchema } from './model/tes-resources';
export { type TesExecutorLog, tesExecutorLogSchema } from './model/tes-executor-log';
export { int64StringSchema, type TesOutputFileLog, tesOutputFileLogSchema } from './model/tes-output-file-log';
export { type TesTaskLog, tesTaskLogSchema } from './model/tes-task-log';
export { type TesTask, type TesTaskInView, tesTaskInViewSchema, tesTaskSchema } from './model/tes-task';
export {
  serviceOrganizationSchema,
  TES_ARTIFACT,
  TES_SERVICE_GROUP,
  TES_SPEC_VERSION,
  type TesServiceInfo,
  tesServiceInfoSchema,
  type TesServiceType,
  tesServiceTypeSchema,
} from './model/tes-service-info';
export { type TesListTasksResponse, tesListTasksResponseSchema } from './model/tes-list-tasks-response';
export { type TesCreateTaskResponse, tesCreateTaskResponseSchema } from './model/tes-create-task-response';
export { type TesCancelTaskResponse, tesCancelTaskResponseSchema } from './model/tes-cancel-task-response';
export {
  createExecutorSchema,
  createInputSchema,
  createOutputSchema,
  createResourcesSchema,
  createTaskSchema,
  type ValidatedTask,
} from './create/create-task-schema';
export { validateCreateTask } from './create/validate-create-task';
export { TES_CREATE_LIMITS } from './create/create-task-limits';
export { acceptCreateTask, type AcceptCreateTaskOptions, type AcceptedTask } from './create/accept-create-task';
export { applyBackendParameters, type BackendParameters } from './create/backend-parameters';
export { ignoredFields, READ_ONLY_TASK_FIELDS } from './create/ignored-fields';
export { inputSource, type InputSource } from './create/input-source';
export { type PathPattern, readPathPattern, suggestedPathPrefix } from './create/output-wildcards';
export {
  createStoredTask,
  type NewStoredTaskOptions,
  type StoredTesTask,
  storedTesTaskSchema,
} from './create/stored-task';
export {
  basicFields,
  DEFAULT_VIEW,
  parseView,
  MAY_HOLD_SECRET,
  redactTaskUrls,
  taskView,
  TES_VIEWS,
  type TesView,
  tesViewSchema,
} from './views/task-view';
export {
  assertTransition,
  canTransition,
  FINAL_STATES,
  isFinal,
  NEXT_STATES,
  RETRYABLE_STATES,
  stateOnCancel,
} from './states/task-state-machine';
export {
  DEFAULT_PAGE_SIZE,
  type ListQuery,
  MAX_PAGE_SIZE,
  parseListQuery,
  type QueryParameters,
} from './list/list-query';
export { matchesTags } from './list/tag-filter';
export { matchesNamePrefix } from './list/name-prefix';
export { decodePageToken, encodePageToken, type PageCursor } from './list/page-token';
export { compareNewestFirst, matchesListQuery, selectTaskPage, type TaskPage } from './list/list-page';
export {
  type Clock,
  isTaskId,
  newTaskId,
  type RandomFill,
  TASK_ID_LENGTH,
  TASK_ID_PATTERN,
  TaskIdGenerator,
  taskIdTime,
} from './ids/task-id';
export { formatRfc3339, isRfc3339, parseRfc3339, rfc3339Schema } from './time/rfc3339';
export { CAPSTAN_TES_DESCRIPTION, usageFromMetadata, USAGE_KEY_PREFIX, usageTotal, withUsageMetadata } from './usage/usage-metadata';
