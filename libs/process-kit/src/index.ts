export * from './run-process-group';
