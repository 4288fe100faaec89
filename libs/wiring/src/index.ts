export * from './backends';
export * from './wire';
export * from './tes-server';
export * from './api-config';
export * from './serve-command';
export * from './serve-definition';
