import { CapstanError, ErrorCode } from '@capstan/core-constraints';
import { type TesResources } from '../model/tes-resources';
import { listNames } from '../support/show-value';

export interface BackendParameters {
  /** The supported keys, spelled as the service lists them, with their values. */
  readonly kept: Record<string, string>;
  /** The unsupported keys, spelled as the client sent them: neither stored nor returned. */
  readonly dropped: string[];
}

/**
 * Sorts a task's `backend_parameters` into supported and unsupported keys. Keys are case-insensitive (`vmsize`
 * matches a supported `VmSize`, and is kept as `VmSize`). Unsupported keys are dropped, as the spec asks ("shall not
 * store or return unsupported keys"; the caller logs a warning for each), unless `backend_parameters_strict` is true:
 * then the task is refused with a CapstanError (`tes.unsupported_backend_parameters`) naming the unsupported keys and
 * the supported ones. Two keys that differ only in case and carry different values are refused as ambiguous.
 */
export function applyBackendParameters(
  resources: Pick<TesResources, 'backend_parameters' | 'backend_parameters_strict'> | undefined,
  supportedKeys: readonly string[],
): BackendParameters {
  const canonical = new Map<string, string>();
  for (const key of supportedKeys) if (!canonical.has(key.toLowerCase())) canonical.set(key.toLowerCase(), key);
  const kept = new Map<string, { readonly sentAs: string; readonly value: string }>();
  const dropped: string[] = [];
  for (const [key, value] of Object.entries(resources?.backend_parameters ?? {})) {
    const name = canonical.get(key.toLowerCase());
    if (name === undefined) {
      dropped.push(key);
      continue;
    }
    const earlier = kept.get(name);
    if (earlier !== undefined && earlier.value !== value) {
      throw new CapstanError(
        ErrorCode.TesInvalidTask,
        `resources.backend_parameters has both ${JSON.stringify(earlier.sentAs)} (${JSON.stringify(earlier.value)}) and ${JSON.stringify(key)} (${JSON.stringify(value)}); keys are case-insensitive, so both set ${JSON.stringify(name)}: keep one of them`,
        { path: `resources.backend_parameters.${key}`, details: { keys: [earlier.sentAs, key] } },
      );
    }
    kept.set(name, earlier ?? { sentAs: key, value });
  }
  if (dropped.length > 0 && resources?.backend_parameters_strict === true) {
    throw new CapstanError(
      ErrorCode.TesUnsupportedBackendParameters,
      `resources.backend_parameters has ${dropped.length === 1 ? 'the key' : 'the keys'} ${listNames(dropped)}, which this service does not support, and backend_parameters_strict is true; the supported keys are ${listNames(supportedKeys)}: remove the others, or set backend_parameters_strict to false to run the task without them`,
      { path: 'resources.backend_parameters', details: { unsupported: dropped, supported: [...supportedKeys] } },
    );
  }
  return { kept: Object.fromEntries([...kept].map(([name, entry]) => [name, entry.value])), dropped };
}
