export { normaliseRelative, taskFileRefused, type RefusalReason } from './confined-path';
export { checkTaskFile, openTaskFile, readTaskFileTail } from './open-task-file';
export { removeTaskTree } from './remove-task-tree';
export { visitTaskFolder, walkTaskFolder, type TaskFileEntry, type TaskTree, type VisitOptions } from './walk-task-folder';
export { publishTaskFile, type PublishedTaskFile } from './publish-task-file';
export { globTaskFolder } from './glob-task-folder';
