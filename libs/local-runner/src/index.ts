// The public API of @capstan/local-runner (reviewed in api/local-runner.api.md): named exports only.
export { type HostResources, LocalBackend } from './local-backend';
export { registerLocalBackend } from './register-local-backend';
export { localBackendPlugin } from './local-backend-plugin';
export { type LocalBackendOptions, localBackendOptionsSchema } from './local-backend-options';
