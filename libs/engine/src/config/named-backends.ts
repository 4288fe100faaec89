import { CapstanError, ErrorCode } from '@capstan/core-constraints';
import { type z } from 'zod';
import { checkRouting, listNames } from '../routing/routing-config';
import { type EngineConfig } from './capstan-config';

/** One backend of `backends:`: its type, and the options that type's schema made of its entry over its section. */
export interface NamedBackend {
  readonly type: string;
  readonly options: unknown;
}

/**
 * The backend types `backends:` names, in the file or as `CAPSTAN_BACKENDS__<NAME>__TYPE`: their sections' schemas are
 * needed to read it.
 */
export function namedBackendTypes(document: Record<string, unknown>, env: NodeJS.ProcessEnv): string[] {
  const backends = document['backends'];
  const entries = typeof backends === 'object' && backends !== null && !Array.isArray(backends) ? Object.values(backends) : [];
  const fromFile = entries.flatMap((entry: unknown) => {
    const type = typeof entry === 'object' && entry !== null ? (entry as Record<string, unknown>)['type'] : undefined;
    return typeof type === 'string' ? [type] : [];
  });
  const fromEnv = Object.entries(env).flatMap(([variable, value]) => (/^CAPSTAN_BACKENDS__[A-Z0-9_]+__TYPE$/.test(variable) && value !== undefined ? [value] : []));
  return [...fromFile, ...fromEnv];
}

/**
 * Reads `backends:`: each entry's options are its type's section with the entry's own keys over it, checked by that
 * type's schema, so `hpc: { type: slurm, partition: long }` is a Slurm backend like the `slurm:` one but for the
 * partition. Returns the engine settings with `backend` naming the default (the first when none is named).
 */
export function readNamedBackends(
  engine: EngineConfig,
  sections: Readonly<Record<string, z.ZodType>>,
  document: Readonly<Record<string, unknown>>,
  parse: (schema: z.ZodType, value: unknown, path: string) => unknown,
): { engine: EngineConfig; named: Readonly<Record<string, NamedBackend>> | undefined } {
  if (engine.backends === undefined) {
    if (engine.routes !== undefined && engine.routes.length > 0) {
      throw new CapstanError(ErrorCode.InvalidConfig, 'routes: picks among the backends of backends:, and there is none; add backends: (e.g. { here: { type: local }, box: { type: docker } }) or remove routes:', { path: 'routes' });
    }
    return { engine, named: undefined };
  }
  const names = Object.keys(engine.backends);
  if (names.length === 0) {
    throw new CapstanError(ErrorCode.InvalidConfig, 'backends: is empty; name at least one backend (e.g. { box: { type: docker } }), or remove it to use backend: alone', { path: 'backends' });
  }
  const types = Object.keys(sections);
  const named = Object.fromEntries(
    Object.entries(engine.backends).map(([name, { type, ...own }]) => {
      const schema = sections[type];
      if (schema === undefined) {
        throw new CapstanError(ErrorCode.InvalidConfig, `backends.${name}.type is ${JSON.stringify(type)}, which is no backend type; the types are ${listNames(types)} (and those of plugins:): use one of them`, {
          path: `backends.${name}.type`,
          details: { value: type, known: types },
        });
      }
      const section = document[type];
      const base = typeof section === 'object' && section !== null && !Array.isArray(section) ? section : {};
      return [name, { type, options: parse(schema, { ...base, ...own }, `backends.${name}`) }] as const;
    }),
  );
  const defaultBackend = engine.backend === 'auto' ? (names[0] as string) : engine.backend;
  checkRouting({ names, rules: engine.routes ?? [], defaultBackend }, 'backend');
  return { engine: { ...engine, backend: defaultBackend }, named };
}
