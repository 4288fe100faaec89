import { CapstanError, ErrorCode, parseWithSchema, URL_SOURCE } from '@capstan/core-constraints';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { type z } from 'zod';
import { type EngineConfig, engineConfigSchema } from './capstan-config';
import { ENV_PREFIX, envSettings, envTopKeys, readEnvSettings } from './config-env';
import { type NamedBackend, namedBackendTypes, readNamedBackends } from './named-backends';

export const CONFIG_FILE_NAME = 'capstan.yaml';

export interface ConfigSources {
  /** Backend sections by backend name, each with the schema of its options. */
  readonly sections: Readonly<Record<string, z.ZodType>>;
  /**
   * Sections other commands read (`capstan run` is given the TES server's `api`): one config file and one environment
   * serve every command, so these are accepted without being read or validated here. A schema may be given as a
   * function that builds it: it is called only when a `CAPSTAN_...` variable is no setting of this command's, to tell
   * another command's variable from an unknown one.
   */
  readonly otherSections?: Readonly<Record<string, z.ZodType | LazySchema>>;
  /** An explicit file (`--config`); otherwise ./capstan.yaml, then the user's config folder. */
  readonly file?: string;
  /** Values from command-line flags, which win over everything (dotted keys: `docker.pullPolicy`). */
  readonly flags?: Readonly<Record<string, unknown>>;
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /**
   * Loads the plugins the configuration names (`plugins:`, paths relative to `baseDir`: the config file's folder,
   * else the working folder) and gives their sections, validated and read from the environment like built-in ones.
   */
  readonly pluginSections?: (plugins: readonly string[], baseDir: string) => Promise<Readonly<Record<string, z.ZodType>>>;
  /** Backend sections whose schemas are built only when a command needs them (see LazySections). */
  readonly lazySections?: LazySections;
}

/** A schema built (or imported) when first needed. */
export type LazySchema = () => Promise<z.ZodType>;

/**
 * Sections whose schemas cost time to build (Capstan's own backends: each is a module of zod schemas). One is built
 * when it has a value in a source (file, `CAPSTAN_<SECTION>_...`, flags) or the chosen backend needs it (`wanted`);
 * all are when a `CAPSTAN_...` variable is unknown, so its warning suggests from every section as before.
 */
export interface LazySections {
  /** Every section's name, known without building its schema. */
  readonly names: readonly string[];
  /** The sections the backend setting needs (as written: it is validated later), besides those with values. */
  readonly wanted: (backend: unknown) => readonly string[];
  /** Builds the named sections' schemas (importing what holds them); may be called again with more names. */
  readonly load: (names: readonly string[]) => Promise<Readonly<Record<string, z.ZodType>>>;
}

export interface LoadedConfig {
  readonly engine: EngineConfig;
  /** Each backend's validated options (its schema's defaults when the file has no section for it). */
  readonly backends: Readonly<Record<string, unknown>>;
  /** The backends of `backends:` by name, when the configuration has several; `engine.backend` names the default. */
  readonly named?: Readonly<Record<string, NamedBackend>>;
  /** The file read, if any. */
  readonly file: string | undefined;
  /** What was ignored and why (an unknown `CAPSTAN_...` variable), for the caller to show once. */
  readonly warnings: readonly string[];
}

/**
 * Reads Capstan's configuration: one YAML file (found in the working folder or the user's config folder), then
 * `CAPSTAN_...` environment variables (`CAPSTAN_BACKEND=docker`, `CAPSTAN_DOCKER__PULL_POLICY=always`: `__` nests,
 * words become camelCase, values are read as YAML scalars; only documented settings, see readEnvSettings), then
 * flags. Everything is validated with the same precise errors as task files, the path naming the file or variable.
 */
export async function loadConfig(sources: ConfigSources): Promise<LoadedConfig> {
  const env = sources.env ?? process.env;
  const cwd = sources.cwd ?? process.cwd();
  const { document, file } = await readConfigFile(sources.file, cwd, env);
  const given = { ...sources.sections, ...(await pluginSectionsOf(sources, document, file ?? null, cwd)) };
  const otherSections = sources.otherSections ?? {};
  const lazy = sources.lazySections;
  let sections = lazy === undefined ? given : { ...(await lazy.load(neededSections(lazy, given, document, sources.flags ?? {}, env))), ...given };
  let others = builtSchemas(otherSections);
  let read = await readEnvSettings(env, envSettings(sections, engineConfigSchema), envSettings(others));
  // A variable that is no setting of what was built: build the rest before warning, so the warning is the same.
  const unbuilt = lazy?.names.filter((name) => !Object.hasOwn(sections, name)) ?? [];
  if (read.warnings.length > 0 && (unbuilt.length > 0 || Object.keys(others).length < Object.keys(otherSections).length)) {
    if (lazy !== undefined && unbuilt.length > 0) sections = { ...(await lazy.load(lazy.names)), ...given };
    others = Object.fromEntries(await Promise.all(Object.entries(otherSections).map(async ([name, schema]) => [name, typeof schema === 'function' ? await schema() : schema] as const)));
    read = await readEnvSettings(env, envSettings(sections, engineConfigSchema), envSettings(others));
  }
  const merged: Record<string, unknown> = Object.fromEntries(Object.entries(document).filter(([key]) => !Object.hasOwn(otherSections, key) || Object.hasOwn(sections, key)));
  // Where each overridden value came from, so an error names the variable or flag rather than the file.
  const provenance = new Map<string, string>();
  for (const { variable, path, value } of read.values) {
    setPath(merged, path, value);
    provenance.set(path.join('.'), `environment variable ${variable}`);
  }
  for (const [key, value] of Object.entries(sources.flags ?? {})) {
    if (value === undefined) continue;
    setPath(merged, key.split('.'), value);
    provenance.set(key, 'command line');
  }
  const sectionNames = Object.keys(sections);
  const engineDocument = Object.fromEntries(Object.entries(merged).filter(([key]) => !sectionNames.includes(key)));
  const where = (path: string | null): string => (path !== null && provenance.get(path)) || (file ?? 'configuration');
  const parsed = withSource(where, () => parseWithSchema(engineConfigSchema, engineDocument, null));
  const backends = Object.fromEntries(
    Object.entries(sections).map(([name, schema]) => [name, withSource(where, () => parseSection(schema, merged[name] ?? {}, name))]),
  );
  const { engine, named } = withSource(where, () => readNamedBackends(parsed, sections, merged, parseSection));
  // An object store's prefix (`s3://bucket/prefix`) is no host path: kept as written, it is uploaded to.
  const outputDir = engine.outputDir === undefined ? {} : { outputDir: URL_SOURCE.test(engine.outputDir) ? engine.outputDir : resolve(cwd, engine.outputDir) };
  return { engine: { ...engine, workRoot: resolve(cwd, engine.workRoot), ...outputDir }, backends, ...(named === undefined ? {} : { named }), file, warnings: read.warnings };
}

function builtSchemas(sections: Readonly<Record<string, z.ZodType | LazySchema>>): Record<string, z.ZodType> {
  return Object.fromEntries(Object.entries(sections).filter((entry): entry is [string, z.ZodType] => typeof entry[1] !== 'function'));
}

function neededSections(lazy: LazySections, given: Readonly<Record<string, z.ZodType>>, document: Record<string, unknown>, flags: Readonly<Record<string, unknown>>, env: NodeJS.ProcessEnv): string[] {
  const present = new Set([...Object.keys(document), ...envTopKeys(env)]);
  for (const [key, value] of Object.entries(flags)) if (value !== undefined) present.add(key.split('.')[0] ?? key);
  // The backend setting as the sources give it, flags over environment over file, as they are merged below.
  const backend = flags['backend'] ?? env[`${ENV_PREFIX}BACKEND`] ?? document['backend'];
  const wanted = typeof backend === 'string' && Object.hasOwn(given, backend) ? [] : lazy.wanted(backend);
  // Several named backends: each one's type is needed, and the default name is no type (it would ask for all).
  const types = namedBackendTypes(document, env);
  if (types.length > 0) return lazy.names.filter((name) => !Object.hasOwn(given, name) && (present.has(name) || types.includes(name)));
  return lazy.names.filter((name) => !Object.hasOwn(given, name) && (present.has(name) || wanted.includes(name)));
}

/** The plugin list is read before everything else: the sections it adds decide how the rest is validated. */
async function pluginSectionsOf(sources: ConfigSources, document: Record<string, unknown>, file: string | null, cwd: string): Promise<Readonly<Record<string, z.ZodType>>> {
  const fromFlags = sources.flags?.['plugins'];
  const listed = fromFlags ?? document['plugins'] ?? [];
  const where = fromFlags === undefined ? (file ?? 'configuration') : 'command line';
  const plugins = withSource(() => where, () => parseWithSchema(engineConfigSchema.shape.plugins, listed, 'plugins'));
  if (plugins.length === 0 || sources.pluginSections === undefined) return {};
  return sources.pluginSections(plugins, file === null ? cwd : dirname(file));
}

async function readConfigFile(explicit: string | undefined, cwd: string, env: NodeJS.ProcessEnv): Promise<{ document: Record<string, unknown>; file: string | undefined }> {
  const candidates = explicit !== undefined
    ? [resolve(cwd, explicit)]
    : [join(cwd, CONFIG_FILE_NAME), join(env['XDG_CONFIG_HOME'] ?? join(env['HOME'] ?? homedir(), '.config'), 'capstan', 'config.yaml')];
  for (const candidate of candidates) {
    let text: string;
    try {
      text = await readFile(candidate, 'utf8');
    } catch (error) {
      if (explicit !== undefined) {
        throw new CapstanError(ErrorCode.InvalidConfig, `configuration file ${candidate} cannot be read (${(error as Error).message}); give an existing YAML file`, { cause: error });
      }
      continue;
    }
    // Imported only when there is a file to read: most commands run without one (start-up cost).
    const { parseYaml } = await import('./config-yaml');
    let document: unknown;
    try {
      document = parseYaml(text) ?? {};
    } catch (error) {
      throw new CapstanError(ErrorCode.InvalidConfig, `configuration file ${candidate} is not valid YAML: ${(error as Error).message.split('\n')[0]}`, { cause: error });
    }
    if (typeof document !== 'object' || Array.isArray(document) || document === null) {
      throw new CapstanError(ErrorCode.InvalidConfig, `configuration file ${candidate} must hold a mapping of settings`);
    }
    return { document: document as Record<string, unknown>, file: candidate };
  }
  return { document: {}, file: undefined };
}

/**
 * A schema that throws instead of reporting an issue is a fault of the section's owner (a plugin's), never of the
 * value: the error says which section, so the caller can name the owner.
 */
function parseSection(schema: z.ZodType, value: unknown, name: string): unknown {
  try {
    return parseWithSchema(schema, value, name);
  } catch (error) {
    if (error instanceof CapstanError) throw error;
    const message = (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
    throw new CapstanError(ErrorCode.InvalidPlugin, `the schema of section "${name}" failed instead of checking it: ${message}`, { path: name, cause: error, details: { section: name } });
  }
}

/** Names the source of a bad value; a bad flag value is a usage error. */
function withSource<T>(where: (path: string | null) => string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (!(error instanceof CapstanError)) throw error;
    const source = where(error.path);
    // A section's schema that failed is its owner's fault wherever the value came from.
    const code = error.code === ErrorCode.InvalidPlugin ? error.code : source === 'command line' ? ErrorCode.Usage : ErrorCode.InvalidConfig;
    throw new CapstanError(code, `${source}: ${error.message}`, { path: error.path, cause: error, details: error.details });
  }
}

function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = target;
  path.slice(0, -1).forEach((key) => {
    const next = node[key];
    node[key] = typeof next === 'object' && next !== null && !Array.isArray(next) ? { ...(next as Record<string, unknown>) } : {};
    node = node[key] as Record<string, unknown>;
  });
  node[path[path.length - 1] as string] = value;
}
