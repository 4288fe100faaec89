// The public API of @capstan/task-files (reviewed in api/task-files.api.md): named exports only.
export { normaliseRelative, type RefusalReason, taskFileRefused } from './confined-path';
export { checkTaskFile, openTaskFile, readTaskFileTail } from './open-task-file';
export { removeTaskTree } from './remove-task-tree';
export { replaceFileAtomically } from './replace-file';
export {
  type TaskFileEntry,
  type TaskTree,
  type VisitOptions,
  visitTaskFolder,
  walkTaskFolder,
} from './walk-task-folder';
export { type PublishedTaskFile, publishTaskFile } from './publish-task-file';
export { globTaskFolder } from './glob-task-folder';
