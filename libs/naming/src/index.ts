export {
  cryptoRandomSource,
  NAME_ALPHABET,
  randomAlphanumeric,
  type RandomSource,
} from './random-source';
export {
  FALLBACK_PREFIX,
  MAX_NAME_LENGTH,
  MAX_PREFIX_LENGTH,
  SUFFIX_LENGTH,
  sanitizeTaskName,
} from './sanitize-task-name';
export { MAX_ATTEMPT, NameGenerator, RUN_ID_LENGTH } from './name-generator';
export {
  CapstanLabel,
  capstanLabels,
  type CapstanLabelInput,
  type CapstanOwner,
  type DockerLabelFilter,
  LABEL_PREFIX,
  type LabelEnvironment,
  labelFilter,
  MANAGED_VALUE,
  MAX_LABEL_VALUE_LENGTH,
  parseCapstanLabels,
  systemLabelEnvironment,
} from './capstan-labels';
export { type Holder, HolderLabel, holderLabels, parseHolderLabels } from './holder-labels';
