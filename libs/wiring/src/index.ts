// The public API of @capstan/wiring (reviewed in api/wiring.api.md): named exports only.
export { registerBackends } from './backends';
export { chooseBackend, wire, wireBackends, type WireOptions, type Wiring } from './wire';
export { apiConfigSchema, type RunningTesServer, startTesServer, type StartTesServerOptions } from './tes-server';
export { serveCommand, type ServeIo } from './serve-command';
export { SERVE_COMMAND } from './serve-definition';
