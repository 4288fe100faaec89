// The public API of @capstan/tes-runner (reviewed in api/tes-runner.api.md): named exports only.
export { TesBackend } from './tes-backend';
export {
  parseTesBackendOptions,
  type TesBackendOptions,
  type TesBackendOptionsInput,
  tesBackendOptionsSchema,
} from './tes-backend-options';
export { registerTesBackend } from './register-tes-backend';
export { tesBackendPlugin } from './tes-backend-plugin';
export { TesHttpClient } from './http/tes-http-client';
export { TaskPoller, type TaskPollerSettings, type TaskWatcher } from './polling/task-poller';
