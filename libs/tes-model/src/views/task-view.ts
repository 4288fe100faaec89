import { CapstanError, ErrorCode, redactUrl } from '@capstan/core-constraints';
import { z } from 'zod';
import { type StoredTesTask } from '../create/stored-task';
import { type TesTaskInView } from '../model/tes-task';
import { listNames, showValue } from '../support/show-value';

export const TES_VIEWS = ['MINIMAL', 'BASIC', 'FULL'] as const;
export const tesViewSchema = z.enum(TES_VIEWS);
export type TesView = z.infer<typeof tesViewSchema>;

/** The spec's default view. */
export const DEFAULT_VIEW: TesView = 'MINIMAL';

/**
 * Reads the `view` query parameter: MINIMAL when it is missing (or empty, protobuf's "not set"); otherwise exactly one
 * of MINIMAL, BASIC, FULL (the spec's enum, upper case). Throws a CapstanError (`tes.invalid_query`, path `view`).
 */
export function parseView(value: unknown): TesView {
  const single = Array.isArray(value) && value.length <= 1 ? (value[0] as unknown) : value;
  if (single === undefined || single === null || single === '') return DEFAULT_VIEW;
  const fail = (problem: string): never => {
    throw new CapstanError(ErrorCode.TesInvalidQuery, `view ${problem}`, { path: 'view', details: { value } });
  };
  if (Array.isArray(single)) return fail(`is given ${single.length} times (${single.map(showValue).join(', ')}); give it once`);
  const parsed = tesViewSchema.safeParse(single);
  if (parsed.success) return parsed.data;
  const upper = typeof single === 'string' ? single.toUpperCase() : undefined;
  const hint = upper !== undefined && (TES_VIEWS as readonly string[]).includes(upper) ? `; views are upper case: ${upper}` : ' (the default is MINIMAL)';
  return fail(`is ${showValue(single)}, not one of ${listNames(TES_VIEWS, 'or')}${hint}`);
}

/**
 * The task as GetTask and ListTasks return it in `view`, exactly as the spec defines the views:
 * - MINIMAL: only `id` and `state`;
 * - BASIC: everything except the executor logs' `stdout` and `stderr`, the inputs' `content` and the task logs'
 *   `system_logs`;
 * - FULL: everything.
 * In BASIC and FULL, `logs` and each task log's `logs` and `outputs` are always present (empty lists when there is
 * nothing), and every input and output URL is shown by {@link redactTaskUrls}. The result is a copy: changing it does
 * not change the stored task.
 */
export function taskView(task: StoredTesTask, view: TesView): TesTaskInView {
  switch (view) {
    case 'MINIMAL':
      return { id: task.id, state: task.state };
    case 'FULL':
      return redactTaskUrls(structuredClone(task));
    case 'BASIC':
      return redactTaskUrls(structuredClone(basicFields(task)));
    default:
      throw new CapstanError(ErrorCode.TesInvalidQuery, `view is ${showValue(view)}, not one of ${listNames(TES_VIEWS, 'or')}`, { path: 'view' });
  }
}

/**
 * The task without what BASIC leaves out, its URLs as stored (with their credentials): what a store keeps to answer
 * BASIC reads quickly. Not a deep copy, since a store only serialises it (a deep copy was about 4% of the server's
 * CPU under a load of creates): the objects that hold URLs are new, so {@link redactTaskUrls} on it leaves the task
 * as it was, but the rest (executors, tags, resources) is the task's own. Never hand it to a client as it is.
 */
export function basicFields(task: StoredTesTask): StoredTesTask {
  // Spreading keeps each key where the task had it, so the stored JSON keeps the schema's order.
  const copyUrl = <T extends object>(item: T): T => ({ ...item });
  return {
    ...task,
    inputs: task.inputs.map(({ content: _content, ...input }) => input),
    outputs: task.outputs.map(copyUrl),
    logs: task.logs.map(({ system_logs: _systemLogs, ...log }) => ({
      ...log,
      logs: log.logs.map(({ stdout: _stdout, stderr: _stderr, ...executorLog }) => executorLog),
      outputs: log.outputs.map(copyUrl),
    })),
  };
}

/** A URL that may hold a credential: user info, a query or a fragment (others are shown exactly as written). */
export const MAY_HOLD_SECRET = /[@?#]/;

/**
 * Replaces, in place, the credentials of every input, output and output-log URL of a task view (user info and query
 * parameters such as X-Amz-Signature or token, see `redactUrl`), and returns the view. Clients are untrusted: one that
 * can read a task (its own, or any as an admin) must not learn the signed URLs and passwords it carries. The stored
 * task keeps them: the transfers need them.
 */
export function redactTaskUrls<T extends TesTaskInView>(view: T): T {
  const redact = <U extends { url?: string | undefined }>(item: U): void => {
    if (item.url !== undefined && MAY_HOLD_SECRET.test(item.url)) item.url = redactUrl(item.url);
  };
  view.inputs?.forEach(redact);
  view.outputs?.forEach(redact);
  for (const log of view.logs ?? []) log.outputs.forEach(redact);
  return view;
}
