// The public API of @capstan/process-kit (reviewed in api/process-kit.api.md): named exports only.
export { type ProcessOutcome, type ProcessSpec, type ProcessSupervision, runProcessGroup } from './run-process-group';
