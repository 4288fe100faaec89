import { listNames } from '../support/show-value';
import { applyBackendParameters } from './backend-parameters';
import { type ValidatedTask } from './create-task-schema';
import { ignoredFields } from './ignored-fields';
import { validateCreateTask } from './validate-create-task';

export interface AcceptCreateTaskOptions {
  /** The `backend_parameters` keys this service supports (service-info's `tesResources_backend_parameters`). */
  readonly supportedBackendParameters: readonly string[];
}

export interface AcceptedTask {
  /** The task to store: validated, defaults filled, only supported `backend_parameters` kept. */
  readonly task: ValidatedTask;
  /** What was ignored or dropped, one sentence each, for the task's system log (the spec asks for these warnings). */
  readonly warnings: string[];
}

/**
 * What the server does with a POST /tasks body: {@link validateCreateTask}, then {@link applyBackendParameters}
 * (unsupported keys dropped with a warning, or the task refused when `backend_parameters_strict` is true), with notes
 * on every field that was ignored.
 */
export function acceptCreateTask(body: unknown, options: AcceptCreateTaskOptions): AcceptedTask {
  const task = validateCreateTask(body);
  const warnings = ignoredFields(body);
  const resources = task.resources;
  if (resources?.backend_parameters !== undefined) {
    const { kept, dropped } = applyBackendParameters(resources, options.supportedBackendParameters);
    for (const key of dropped) {
      warnings.push(
        `dropped the backend_parameters key ${JSON.stringify(key)}: this service does not support it (supported: ${listNames(options.supportedBackendParameters)})`,
      );
    }
    return { task: { ...task, resources: { ...resources, backend_parameters: kept } }, warnings };
  }
  return { task, warnings };
}
