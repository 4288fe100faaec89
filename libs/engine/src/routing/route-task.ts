import { CapstanError, describeValue, ErrorCode, formatBytes, type Task } from '@capstan/core-constraints';
import { listNames, type RouteConditions, type Routing } from './routing-config';

/** Where a task goes and why, as `capstan plan` shows it and events carry it. */
export interface Route {
  readonly backend: string;
  /** In words: the hint, the rule that matched (numbered from 1, with its conditions), or the default. */
  readonly reason: string;
  /** The index in `routes:` of the rule that matched. */
  readonly rule?: number;
}

/** The hint a task names its backend by (WDL hints are open: an engine reads its own). */
export const BACKEND_HINT = 'backend';
/** The hint holding a task's labels, which routing rules match on. */
export const LABELS_HINT = 'labels';

/**
 * Picks the backend of a task: its `backend` hint, else the first rule whose conditions all hold, else the default.
 * The hint comes from a task file or a client, so it is checked against the configured names only: a backend type
 * (`docker`) that is not also a configured name is refused like any other unknown word.
 */
export function routeTask(task: Task, routing: Routing): Route {
  const hinted = task.hints.other[BACKEND_HINT];
  if (hinted !== undefined) {
    if (typeof hinted !== 'string' || !routing.names.includes(hinted)) {
      throw new CapstanError(
        ErrorCode.UnknownBackend,
        `hints.backend is ${shortened(hinted)}, which is not a configured backend; the configured backends are ${listNames(routing.names)} (a hint names a backend of the configuration's backends:, not a backend type): name one of them, or leave the hint out`,
        { path: 'hints.backend', details: { value: shortened(hinted), known: [...routing.names] } },
      );
    }
    return { backend: hinted, reason: 'the task\'s "backend" hint' };
  }
  const labels = taskLabels(task);
  const index = routing.rules.findIndex((rule) => matches(rule.when, task, labels));
  const rule = routing.rules[index];
  if (rule !== undefined) return { backend: rule.backend, reason: `rule ${index + 1} of routes (${describeConditions(rule.when)})`, rule: index };
  return { backend: routing.defaultBackend, reason: routing.rules.length === 0 ? 'the default backend' : 'the default backend (no rule of routes matched)' };
}

/** A hint comes from a task file or a client: it is shown, never echoed whole. */
function shortened(value: unknown): string {
  const text = describeValue(value);
  return text.length <= 80 ? text : `${text.slice(0, 77)}...`;
}

/** The task's labels: string values of its `labels` hint; anything else in it cannot match a rule and is left out. */
function taskLabels(task: Task): Readonly<Record<string, string>> {
  const hint = task.hints.other[LABELS_HINT];
  if (typeof hint !== 'object' || hint === null || Array.isArray(hint)) return {};
  return Object.fromEntries(Object.entries(hint).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}

function matches(when: RouteConditions, task: Task, labels: Readonly<Record<string, string>>): boolean {
  const { requirements, hints } = task;
  if (when.labels !== undefined && !Object.entries(when.labels).every(([key, value]) => Object.hasOwn(labels, key) && labels[key] === value)) return false;
  if (when.shortTask !== undefined && hints.shortTask !== when.shortTask) return false;
  if (when.minCpu !== undefined && requirements.cpu < when.minCpu) return false;
  if (when.minMemory !== undefined && requirements.memory < when.minMemory) return false;
  return when.gpu === undefined || (requirements.gpu || hints.gpu !== undefined) === when.gpu;
}

function describeConditions(when: RouteConditions): string {
  const parts = [
    ...Object.entries(when.labels ?? {}).map(([key, value]) => `label ${key}=${value}`),
    ...(when.shortTask === undefined ? [] : [`short_task ${when.shortTask}`]),
    ...(when.minCpu === undefined ? [] : [`cpu >= ${when.minCpu}`]),
    ...(when.minMemory === undefined ? [] : [`memory >= ${formatBytes(when.minMemory)}`]),
    ...(when.gpu === undefined ? [] : [when.gpu ? 'asks for a GPU' : 'asks for no GPU']),
  ];
  return parts.length === 0 ? 'every task' : parts.join(', ');
}

/**
 * With several backends, a task the routed one cannot fit says where routing sent it and why, so the fix (a rule, a
 * hint, a smaller request) is plain.
 */
export async function withRoute<T>(route: Route, routed: boolean, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (!routed || !(error instanceof CapstanError) || error.code === ErrorCode.Canceled) throw error;
    throw new CapstanError(error.code, `${error.message} (backend "${route.backend}" was chosen by ${route.reason}; a routing rule or a "backend" hint can send the task to a backend that fits it)`, {
      path: error.path,
      cause: error,
      details: { ...error.details, backend: route.backend, route: route.reason },
    });
  }
}
