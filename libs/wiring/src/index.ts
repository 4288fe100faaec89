export * from './backends';
export * from './wire';
export * from './tes-server';
export * from './serve-command';
export * from './serve-definition';
