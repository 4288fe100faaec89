export * from './backends';
export { type LoadedPlugin, loadPlugins, type ModuleImporter } from './plugin-loader';
export * from './wire';
export * from './tes-server';
export * from './serve-command';
export * from './serve-definition';
