import { type BackendPlugin, CapstanError, ErrorCode } from '@capstan/core-constraints';
import { createRequire } from 'node:module';
import { isAbsolute, join, resolve } from 'node:path';

/** A plugin the configuration named, with the name it was given by (a package, or a path as written). */
export interface LoadedPlugin {
  readonly spec: string;
  readonly plugin: BackendPlugin;
}

/** Imports a resolved module file; tests and hosts with their own loader replace it. */
export type ModuleImporter = (file: string) => Promise<unknown>;

// An absolute path is a valid specifier for both Node's import() and (in jest and CommonJS bundles) require().
const importFile: ModuleImporter = (file) => import(file);

/** The owner of the names Capstan keeps for itself, in `reserved`. */
export const CAPSTAN = 'Capstan itself';

const NAME = /^[a-z][a-z0-9-]{0,62}$/;

/**
 * Loads the plugins `plugins:` names: paths (`./my-backend.js`) from `baseDir` (the config file's folder), packages
 * (`@acme/capstan-lsf`) as a module there would find them, so a plugin installed beside the config file is found
 * wherever the CLI itself is installed. Each problem is an `config.invalid_plugin` error naming the plugin and the fix.
 * `reserved` are the names a plugin may not take, each with who has it ("Capstan itself": its backends, its settings).
 */
export async function loadPlugins(specs: readonly string[], baseDir: string, reserved: ReadonlyMap<string, string>, importModule: ModuleImporter = importFile): Promise<LoadedPlugin[]> {
  const loaded: LoadedPlugin[] = [];
  for (const spec of specs) {
    const plugin = readExport(spec, await importPlugin(spec, baseDir, importModule));
    const other = loaded.find((entry) => entry.plugin.name === plugin.name)?.spec;
    const owner = reserved.get(plugin.name) ?? (other === undefined ? undefined : `plugin "${other}"`);
    if (owner !== undefined) {
      const taken = owner === CAPSTAN ? 'Capstan uses itself' : `${owner} already has`;
      throw pluginError(spec, `its backend is named "${plugin.name}", a name ${taken}`, 'give the plugin\'s backend a name of its own (its `name`), or list only one of the two', { name: plugin.name });
    }
    loaded.push({ spec, plugin });
  }
  return loaded;
}

/** Runs a plugin's `register`, so that a plugin that throws there is reported as that plugin's fault. */
export async function registerPlugin(spec: string, register: () => void | Promise<void>): Promise<void> {
  try {
    await register();
  } catch (error) {
    if (error instanceof CapstanError) throw error;
    throw pluginError(spec, `its register() failed: ${messageOf(error)}`, 'fix the plugin, or remove it from `plugins:`', {}, error);
  }
}

async function importPlugin(spec: string, baseDir: string, importModule: ModuleImporter): Promise<unknown> {
  const isPath = spec.startsWith('.') || isAbsolute(spec);
  let file: string;
  try {
    file = isPath ? resolve(baseDir, spec) : createRequire(join(baseDir, 'capstan.yaml')).resolve(spec);
  } catch (error) {
    throw pluginError(spec, `the package cannot be found from ${baseDir} (${messageOf(error)})`, `install it there (npm install ${spec}), or fix the name in \`plugins:\``, {}, error);
  }
  try {
    return await importModule(file);
  } catch (error) {
    const missing = isPath && ['ERR_MODULE_NOT_FOUND', 'MODULE_NOT_FOUND'].includes((error as { code?: string }).code ?? '') && messageOf(error).includes(file);
    const problem = missing ? `there is no file ${file}` : `importing ${file} failed: ${messageOf(error)}`;
    throw pluginError(spec, problem, missing ? 'fix the path in `plugins:` (relative to the config file\'s folder)' : 'fix the plugin, or remove it from `plugins:`', { file }, error);
  }
}

/** A hostile module's exports can be getters that throw: that is the plugin's fault, reported as such. */
function readExport(spec: string, module: unknown): BackendPlugin {
  try {
    return pluginExportOf(spec, module);
  } catch (error) {
    if (error instanceof CapstanError) throw error;
    throw pluginError(spec, `reading its exports failed: ${messageOf(error)}`, 'fix the plugin, or remove it from `plugins:`', {}, error);
  }
}

/** The module's `plugin` export, else its default export (a CommonJS module's `module.exports` included). */
function pluginExportOf(spec: string, module: unknown): BackendPlugin {
  const candidates = [field(module, 'plugin'), field(module, 'default'), field(field(module, 'default'), 'plugin')].filter((candidate) => candidate !== undefined);
  const plugin = candidates.find(isBackendPlugin);
  if (plugin !== undefined) return plugin;
  // The export that meant to be the plugin (it has one of the plugin's keys) is the one whose problem to name.
  const meant = candidates.find((candidate) => ['name', 'optionsSchema', 'register'].some((key) => field(candidate, key) !== undefined && typeof candidate !== 'function'));
  if (meant === undefined) {
    throw pluginError(spec, 'the module exports no backend plugin', 'export one as `plugin` (or as the default export): { name, optionsSchema, register }');
  }
  throw pluginError(spec, `its plugin export is not a backend plugin: ${shapeProblem(meant) ?? 'unknown shape'}`, 'export { name, optionsSchema, register } (see defineBackendPlugin in @capstan/core-constraints)');
}

function isBackendPlugin(value: unknown): value is BackendPlugin {
  return shapeProblem(value) === undefined;
}

function shapeProblem(value: unknown): string | undefined {
  const name = field(value, 'name');
  if (typeof name !== 'string' || !NAME.test(name)) return `name ${JSON.stringify(name)} is not a backend name (lower-case letters, digits and "-", starting with a letter)`;
  if (typeof field(field(value, 'optionsSchema'), 'safeParse') !== 'function') return 'optionsSchema is not a zod schema';
  if (typeof field(value, 'register') !== 'function') return 'register is not a function';
  return undefined;
}

function field(value: unknown, key: string): unknown {
  return (typeof value === 'object' || typeof value === 'function') && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

function messageOf(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
}

function pluginError(spec: string, problem: string, fix: string, details: Readonly<Record<string, unknown>> = {}, cause?: unknown): CapstanError {
  return new CapstanError(ErrorCode.InvalidPlugin, `plugin "${spec}": ${problem}; ${fix}`, { path: 'plugins', details: { plugin: spec, ...details }, ...(cause === undefined ? {} : { cause }) });
}
