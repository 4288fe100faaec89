import { CapstanError, ErrorCode } from '@capstan/core-constraints';
import { inputSource, type ValidatedTask } from '@capstan/tes-model';
import { type FileTransfer } from '@capstan/transfer';
import { checkExecutorTask } from './executor-task';
import { planTaskLayout } from './task-layout';
import { inTesFields } from './tes-terms';
import { type TesServiceOptions } from './tes-service-options';

/** Refuses a backend the client chose that this server does not offer. */
export function checkBackend(task: ValidatedTask, options: Pick<TesServiceOptions, 'defaultBackend' | 'selectableBackends'>): void {
  const chosen = task.resources?.backend_parameters?.['backend'];
  if (chosen === undefined || chosen === options.defaultBackend) return;
  if (!options.selectableBackends.includes(chosen)) {
    const allowed = [options.defaultBackend, ...options.selectableBackends];
    throw new CapstanError(
      ErrorCode.TesInvalidTask,
      `resources.backend_parameters.backend is ${JSON.stringify(chosen)}, which this server does not offer; use one of ${allowed.map((name) => JSON.stringify(name)).join(', ')}, or leave it out`,
      { path: 'resources.backend_parameters.backend', details: { value: chosen } },
    );
  }
}

/** Refuses at creation what could never run: paths that cannot be bound, env names or images Capstan cannot use, addresses it will not fetch. */
export function checkRunnable(task: ValidatedTask, mover: Pick<FileTransfer, 'checkAddress'>): void {
  planTaskLayout(task, '/');
  task.executors.forEach((_executor, index) => {
    try {
      checkExecutorTask(task, index);
    } catch (error) {
      if (!(error instanceof CapstanError)) throw error;
      const field = tesField(index, error.path);
      throw new CapstanError(ErrorCode.TesInvalidTask, `${field}: ${inTesFields(error.message)}`, { path: field, cause: error });
    }
  });
  task.inputs.forEach((input, index) => {
    const source = inputSource(input);
    if (source.kind === 'url') mover.checkAddress(source.url, 'in', `inputs.${index}.url`);
  });
  task.outputs.forEach((output, index) => mover.checkAddress(output.url, 'out', `outputs.${index}.url`));
}

/** The TES field of a problem found in the Capstan task built from executor `index`. */
function tesField(index: number, capstanPath: string | null): string {
  if (capstanPath === null) return `executors.${index}`;
  if (capstanPath.startsWith('env.')) return `executors.${index}.${capstanPath}`;
  if (capstanPath.startsWith('requirements.container')) return `executors.${index}.image`;
  if (capstanPath.startsWith('requirements.cpu')) return 'resources.cpu_cores';
  if (capstanPath.startsWith('requirements.memory')) return 'resources.ram_gb';
  if (capstanPath.startsWith('inputs')) return 'inputs';
  return `executors.${index}`;
}
