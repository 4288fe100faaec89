// The public API of @capstan/batch-runner (reviewed in api/batch-runner.api.md): named exports only.
export { BatchBackend, type BatchBackendDependencies } from './batch-backend';
export { type BatchBackendOptions, type BatchBackendOptionsInput, batchBackendOptionsSchema, effectiveProfile, parseBatchBackendOptions } from './batch-backend-options';
export { batchBackendPlugin } from './batch-backend-plugin';
export { type CommandResult, type CommandRunner, commandLine, LocalCommandRunner, type RunCommand } from '@capstan/process-kit';
export { type MonitorStats } from './job-monitor';
export { type BatchProfile, JOB_PHASES, type JobPhase, PROFILE_NAMES, PROFILES, type ProfileName } from './profiles';
export { registerBatchBackend } from './register-batch-backend';
export { type CommandTemplate, PLACEHOLDERS, type Placeholder, renderTemplate, type TemplateItem, type TemplateValues } from './template';
