// The public API of @capstan/wiring (reviewed in api/wiring.api.md): named exports only.
export { BUILT_IN_BACKENDS, loadBuiltInPlugins, pluginsFor, sectionsOf } from './backends';
export { type LoadedPlugin, loadPlugins, type ModuleImporter } from './plugin-loader';
export { chooseBackend } from './choose-backend';
export { wire, wireBackends, type WireOptions, type Wiring } from './wire';
export type { RunningTesServer, StartTesServerOptions } from './tes-server';
export { startTesServer } from './start-tes-server';
export { apiConfigSchema } from './api-config';
export { transferSectionSchema } from './transfer-section';
export { serveCommand, type ServeIo } from './serve-command';
export { SERVE_COMMAND } from './serve-definition';
