// The public API of @capstan/slurm-runner (reviewed in api/slurm-runner.api.md): named exports only.
export { SlurmBackend, type SlurmBackendDependencies } from './slurm-backend';
export {
  parseSlurmBackendOptions,
  type SlurmBackendOptions,
  type SlurmBackendOptionsInput,
  slurmBackendOptionsSchema,
} from './slurm-backend-options';
export { registerSlurmBackend } from './register-slurm-backend';
export { slurmBackendPlugin } from './slurm-backend-plugin';
export { type AccountingOptions } from './job-accounting';
export { type MonitorStats } from './job-monitor';
export { type CommandResult, type IssuedCommand, type RunOptions, SlurmCli, type SlurmCommand } from './slurm-cli';
