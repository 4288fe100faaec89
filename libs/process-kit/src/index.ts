// The public API of @capstan/process-kit (reviewed in api/process-kit.api.md): named exports only.
export { type ProcessOutcome, type ProcessSpec, type ProcessSupervision, runProcessGroup } from './run-process-group';
export { type CommandResult, type CommandRunner, commandLine, LocalCommandRunner, type RunCommand } from './command-runner';
export { type SshOptions, type SshOptionsInput, sshOptionsSchema } from './ssh-options';
export { type SshFailureKind, SshCommandRunner, sshFailure } from './ssh-runner';
