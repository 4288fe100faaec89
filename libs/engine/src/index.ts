export * from './engine';
export * from './engine-options';
export * from './events/engine-event';
export * from './events/event-hub';
export * from './run/collect-outputs';
export * from './run/task-result';
export * from './config/capstan-config';
export * from './config/load-config';
