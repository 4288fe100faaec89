// The public API of @capstan/tes-runner (reviewed in api/tes-runner.api.md): named exports only.
export { TesBackend } from './tes-backend';
export {
  parseTesBackendOptions,
  type TesAuth,
  type TesBackendOptions,
  type TesBackendOptionsInput,
  tesBackendOptionsSchema,
} from './tes-backend-options';
export { registerTesBackend } from './register-tes-backend';
export { tesBackendPlugin } from './tes-backend-plugin';
export { type CallOptions, type ListTasksParams, type TesClientSettings, TesHttpClient } from './http/tes-http-client';
export { TransientFailure } from './http/retry-policy';
export { type RequestLine } from './http/server-error';
export { TaskPoller, type TaskPollerSettings, type TaskWatcher } from './polling/task-poller';
