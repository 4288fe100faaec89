export { normaliseRelative, taskFileRefused, type RefusalReason } from './confined-path';
export { checkTaskFile, openTaskFile, readTaskFileTail } from './open-task-file';
export { removeTaskTree } from './remove-task-tree';
export { walkTaskFolder, type TaskFileEntry, type TaskTree } from './walk-task-folder';
