import { CapstanError, ErrorCode, type ExecutionRequest } from '@capstan/core-constraints';
import { type TemplateValues } from './template';

export interface SubmitInput {
  readonly request: ExecutionRequest;
  readonly scriptPath: string;
  readonly memoryBytes: number;
  readonly queue: string | undefined;
  /** The variables the job must be given from the submit command's environment (logins, passEnv). */
  readonly envNames: readonly string[];
}

/** The submit template's values for one attempt; a value the scheduler cannot take (no memory, no limit) is left unset. */
export function submitValues(input: SubmitInput): TemplateValues {
  const { request } = input;
  const { constraints } = request;
  const values: { -readonly [K in keyof TemplateValues]: TemplateValues[K] } = {
    job_name: request.attemptName,
    script: input.scriptPath,
    work_dir: request.paths.workDir,
    stdout: request.paths.stdoutFile,
    stderr: request.paths.stderrFile,
    cpus: String(Math.max(1, Math.ceil(constraints.cpu))),
  };
  if (!Number.isFinite(input.memoryBytes) || input.memoryBytes < 0) {
    throw new CapstanError(ErrorCode.InvalidValue, `the memory of ${request.attemptName} (${input.memoryBytes} bytes) is no amount a scheduler can be given; give requirements.memory as a positive size`, { path: 'requirements.memory', details: { value: input.memoryBytes } });
  }
  if (input.memoryBytes > 0) {
    values.memory_mb = String(Math.max(1, Math.ceil(input.memoryBytes / (1024 * 1024))));
    values.memory_kb = String(Math.max(1, Math.ceil(input.memoryBytes / 1024)));
  }
  if (constraints.gpu > 0) values.gpus = String(constraints.gpu);
  if (request.timeoutMs !== undefined && request.timeoutMs > 0) {
    // The scheduler's limit is a backstop a little after Capstan's own timeout, which stops the task first.
    const seconds = Math.ceil(request.timeoutMs / 1000) + 60;
    values.time_limit_seconds = String(seconds);
    values.time_limit_minutes = String(Math.ceil(seconds / 60));
    values.time_limit_hms = `${Math.floor(seconds / 3600)}:${String(Math.floor((seconds % 3600) / 60)).padStart(2, '0')}:${String(seconds % 60).padStart(2, '0')}`;
  }
  if (input.queue !== undefined) values.queue = input.queue;
  if (input.envNames.length > 0) values.env_names = input.envNames.join(',');
  return values;
}
