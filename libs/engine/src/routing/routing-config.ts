import { capstanParser, CapstanError, ErrorCode, parseSize } from '@capstan/core-constraints';
import { z } from 'zod';

/**
 * A backend's name in `backends:`: what task files, rules and TES clients say, so it stays a plain word that cannot
 * be mistaken for a path, a flag or an option.
 */
export const BACKEND_NAME_PATTERN = /^[a-z][a-z0-9_-]{0,62}$/;

const backendName = z
  .string()
  .regex(BACKEND_NAME_PATTERN, 'a backend name is a lower-case letter, then letters, digits, "-" or "_" (at most 63), e.g. "hpc"')
  // `backend: auto` means "the first of backends:", so no backend may be called that.
  .refine((name) => name !== 'auto', '"auto" is no backend name (backend: auto picks the first of backends:); call it something else, e.g. "box"');

/** One named backend: its type (a backend Capstan or a plugin ships) and that type's options, over the type's own section. */
export const namedBackendSchema = z.looseObject({ type: z.string().min(1) });

/** What a routing rule looks at; every condition given must hold, and a rule with none matches every task. */
const whenSchema = z.strictObject({
  /** Every label given, with the same value, among the task's `hints.labels`. */
  labels: z.record(z.string().min(1), z.string()).optional(),
  /** The task's `short_task` hint equals this. */
  shortTask: z.boolean().optional(),
  /** The task asks for at least this many cpus. */
  minCpu: z.number().positive().finite().optional(),
  /** The task asks for at least this much memory (a size: "8 GiB"). */
  minMemory: capstanParser((value) => parseSize(value)).optional(),
  /** The task asks for a GPU (`requirements.gpu` or a `gpu` hint), or does not. */
  gpu: z.boolean().optional(),
});

export const routeRuleSchema = z.strictObject({ backend: backendName, when: whenSchema.default({}) });

export type RouteRule = z.output<typeof routeRuleSchema>;
export type RouteConditions = RouteRule['when'];

export const backendsSchema = z.record(backendName, namedBackendSchema);
export const routesSchema = z.array(routeRuleSchema);

/** What routing needs from the configuration: the backends by name, the rules in order, and the default. */
export interface Routing {
  readonly names: readonly string[];
  readonly rules: readonly RouteRule[];
  readonly defaultBackend: string;
}

/**
 * Refuses a routing that names a backend the configuration does not have, at load time rather than when a task
 * first meets the rule.
 */
export function checkRouting(routing: Routing, backendPath: string): void {
  const known = `the configured backends are ${listNames(routing.names)}`;
  if (!routing.names.includes(routing.defaultBackend)) {
    throw new CapstanError(ErrorCode.InvalidConfig, `${backendPath} is ${JSON.stringify(routing.defaultBackend)}, which is not a backend of backends:; ${known}: name one of them, or add it to backends:`, {
      path: backendPath,
      details: { value: routing.defaultBackend, known: [...routing.names] },
    });
  }
  routing.rules.forEach((rule, index) => {
    if (routing.names.includes(rule.backend)) return;
    throw new CapstanError(ErrorCode.InvalidConfig, `routes.${index}.backend is ${JSON.stringify(rule.backend)}, which is not a backend of backends:; ${known}: name one of them, or add it to backends:`, {
      path: `routes.${index}.backend`,
      details: { value: rule.backend, known: [...routing.names] },
    });
  });
}

export function listNames(names: readonly string[]): string {
  return names.length === 0 ? '(none)' : names.map((name) => JSON.stringify(name)).join(', ');
}
