// The public API of @capstan/naming (reviewed in api/naming.api.md): named exports only.
export { randomAlphanumeric, type RandomSource } from './random-source';
export { sanitizeTaskName } from './sanitize-task-name';
export { NameGenerator } from './name-generator';
export {
  CapstanLabel,
  type CapstanLabelInput,
  capstanLabels,
  type CapstanOwner,
  type DockerLabelFilter,
  type LabelEnvironment,
  labelFilter,
  parseCapstanLabels,
} from './capstan-labels';
export { type Holder, holderLabels } from './holder-labels';
