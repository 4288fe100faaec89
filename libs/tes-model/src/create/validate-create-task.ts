import { CapstanError, ErrorCode } from '@capstan/core-constraints';
import { showValue } from '../support/show-value';
import { parseTes } from '../support/tes-parse';
import { checkCreateTaskLimits } from './create-task-limits';
import { createTaskSchema, type ValidatedTask } from './create-task-schema';
import { checkSafeFields } from './safe-fields';

const EXAMPLE_TASK = '{"executors": [{"image": "ubuntu:20.04", "command": ["echo", "hello"]}]}';

/**
 * Validates the body of POST /tasks (already parsed from JSON) against TES v1.1 and the server's rules, and fills in
 * the defaults, within TES_CREATE_LIMITS and the rules of `checkSafeFields`. Throws only CapstanError (`tes.invalid_task`), whose path names the first bad field
 * (`executors.0.image`, `inputs.1.path`, `outputs.0.path_prefix`) and whose message states the value and the fix.
 *
 * Ignored, not refused: the read-only fields `id`, `state`, `logs` and `creation_time` (the server sets them), fields
 * TES v1.1 does not define, JSON null for any optional field, and the empty string for an executor's `workdir`,
 * `stdin`, `stdout` and `stderr` (protobuf JSON's "not set"). The server calls it through `acceptCreateTask`, which adds
 * notes on what was ignored and applies the supported `backend_parameters`.
 */
export function validateCreateTask(body: unknown): ValidatedTask {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new CapstanError(ErrorCode.TesInvalidTask, `the task is ${showValue(body)}, not a JSON object; send a tesTask document such as ${EXAMPLE_TASK}`, {
      details: { value: body },
    });
  }
  const task = parseTes(createTaskSchema, body, ErrorCode.TesInvalidTask);
  checkCreateTaskLimits(task);
  checkSafeFields(task);
  return task;
}
