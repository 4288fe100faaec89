export * from './engine';
export * from './engine-options';
export * from './events/engine-event';
export * from './events/event-hub';
export * from './run/task-result';
