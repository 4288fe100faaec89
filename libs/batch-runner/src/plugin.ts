// @capstan/batch-runner/plugin: the backend as a plugin and nothing else, for what composes backends (wiring). Importing
// the package's index evaluates the backend's code; importing this entry point does not (see docs/decisions.md).
export { batchBackendPlugin } from './batch-backend-plugin';
