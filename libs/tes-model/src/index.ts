// The GA4GH TES v1.1 data model and its rules, shared by the TES server (apps/api) and the TES client backend
// (libs/tes-runner): schemas, validation of submitted tasks, views, states, list queries, ids and timestamps.

// The spec's schemas (snake_case fields as in the spec) and their types.
export * from './model/tes-state';
export * from './model/tes-file-type';
export * from './model/tes-executor';
export * from './model/tes-input';
export * from './model/tes-output';
export * from './model/tes-resources';
export * from './model/tes-executor-log';
export * from './model/tes-output-file-log';
export * from './model/tes-task-log';
export * from './model/tes-task';
export * from './model/tes-service-info';
export * from './model/tes-list-tasks-response';
export * from './model/tes-create-task-response';
export * from './model/tes-cancel-task-response';

// POST /tasks: validation, backend parameters, the stored task.
export * from './create/create-task-schema';
export * from './create/validate-create-task';
export { TES_CREATE_LIMITS } from './create/create-task-limits';
export * from './create/accept-create-task';
export * from './create/backend-parameters';
export * from './create/ignored-fields';
export * from './create/input-source';
export * from './create/output-wildcards';
export * from './create/stored-task';

// Views, states, listing.
export * from './views/task-view';
export * from './states/task-state-machine';
export * from './list/list-query';
export * from './list/tag-filter';
export * from './list/name-prefix';
export * from './list/page-token';
export * from './list/list-page';

// Ids and timestamps.
export * from './ids/task-id';
export * from './time/rfc3339';
