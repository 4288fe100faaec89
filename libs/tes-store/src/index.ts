export * from './tes-task-store';
