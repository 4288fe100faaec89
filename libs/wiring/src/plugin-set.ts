import { type Backend, type BackendPlugin, BackendRegistry, CapstanError, ErrorCode } from '@capstan/core-constraints';
import { engineConfigSchema, type LoadedConfig, loadConfig } from '@capstan/engine';
import type { DependencyContainer } from 'tsyringe';
import { backendsFor, BUILT_IN_BACKENDS, loadBuiltInPlugins, pluginsFor, sectionsOf } from './backends';
import { CAPSTAN, loadPlugins, registerPlugin } from './plugin-loader';
import type { WireOptions } from './wire';

/** A plugin in use, and for one from outside Capstan, what it was named by (so its faults are reported as its own). */
interface PluginEntry {
  readonly plugin: BackendPlugin;
  readonly spec?: string;
}

export interface ConfiguredPlugins {
  readonly config: LoadedConfig;
  readonly entries: readonly PluginEntry[];
}

/**
 * Reads the configuration with the plugins' sections: those the host passed (`plugins`), those the configuration
 * names (`plugins:`, imported while it is read), and of Capstan's own all (`all`) or those the command needs (with a
 * value in a source, or the chosen backend and what `auto` probes): the others are never imported.
 */
export async function readConfigWithPlugins(options: WireOptions, all: boolean): Promise<ConfiguredPlugins> {
  const sectionNames = [...Object.keys(options.extraSections ?? {}), ...Object.keys(options.otherSections ?? {})];
  const reserved = new Set(['auto', ...Object.keys(engineConfigSchema.shape), ...sectionNames, ...BUILT_IN_BACKENDS]);
  const given = (options.plugins ?? []).map((plugin) => ({ plugin, spec: plugin.name }));
  for (const [index, { plugin }] of given.entries()) {
    if (reserved.has(plugin.name) || given.findIndex((other) => other.plugin.name === plugin.name) !== index) {
      throw new CapstanError(ErrorCode.DuplicateBackend, `the plugin passed to wire() as "${plugin.name}" takes a name already in use; give its backend a name of its own`, { details: { value: plugin.name } });
    }
  }
  let configured: readonly PluginEntry[] = [];
  let builtIn = all ? await loadBuiltInPlugins() : [];
  const config = await loadConfig({
    sections: { ...sectionsOf(builtIn), ...sectionsOf(given.map((entry) => entry.plugin)), ...options.extraSections },
    ...(all
      ? {}
      : {
          lazySections: {
            names: BUILT_IN_BACKENDS,
            wanted: (backend: unknown) => backendsFor(BUILT_IN_BACKENDS, backend),
            load: async (names: readonly string[]) => sectionsOf((builtIn = await loadBuiltInPlugins(names))),
          },
        }),
    ...(options.otherSections ? { otherSections: options.otherSections } : {}),
    ...(options.configFile ? { file: options.configFile } : {}),
    ...(options.flags ? { flags: options.flags } : {}),
    pluginSections: async (specs, baseDir) => {
      const taken = new Map([...[...reserved].map((name) => [name, CAPSTAN] as const), ...given.map((entry) => [entry.plugin.name, 'a plugin passed to wire()'] as const)]);
      configured = await loadPlugins(specs, baseDir, taken);
      return sectionsOf(configured.map((entry) => entry.plugin));
    },
  }).catch((error: unknown) => {
    throw namingPlugin(error, configured);
  });
  return { config, entries: [...builtIn.map((plugin) => ({ plugin })), ...given, ...configured] };
}

/**
 * Registers the plugins a command needs (see `pluginsFor`), or all of them; returns those it registered. For `auto`,
 * none: its candidates are all Capstan's own, and `wire` builds each with `buildBuiltIn` only when it probes it.
 */
export async function registerPlugins(container: DependencyContainer, { config, entries }: ConfiguredPlugins, all: boolean): Promise<readonly PluginEntry[]> {
  const plugins = entries.map((entry) => entry.plugin);
  const needed = all ? plugins : config.engine.backend === 'auto' ? [] : pluginsFor(plugins, config.engine.backend);
  const registering = entries.filter((entry) => needed.includes(entry.plugin));
  for (const { plugin, spec } of registering) {
    // The options are what this plugin's own schema produced from its section.
    const options = config.backends[plugin.name];
    if (spec === undefined) await plugin.register(container, options);
    else await registerPlugin(spec, () => plugin.register(container, options));
  }
  return registering;
}

/** One of Capstan's own backends, built on its own (in a child of `container`) with its configured options. */
export async function buildBuiltIn(container: DependencyContainer, name: string, config: LoadedConfig): Promise<Backend> {
  const scratch = container.createChildContainer();
  const [plugin] = await loadBuiltInPlugins([name]);
  await plugin?.register(scratch, config.backends[name]);
  return BackendRegistry.fromContainer(scratch).get(name);
}

/** A plugin that registered no backend under its own name would make `backend: NAME` fail later, less clearly. */
export function assertPluginsRegistered(registered: readonly PluginEntry[], registry: BackendRegistry): void {
  for (const { plugin, spec } of registered) {
    if (spec === undefined || registry.names.includes(plugin.name)) continue;
    throw new CapstanError(
      ErrorCode.InvalidPlugin,
      `plugin "${spec}": its register() registered no backend named "${plugin.name}" (registered: ${registry.names.join(', ') || 'none'}); register one with registerBackend, named as the plugin`,
      { path: 'plugins', details: { plugin: spec, name: plugin.name } },
    );
  }
}

/**
 * Bad options in a plugin's section: the same error, saying which plugin the section belongs to. A schema that threw
 * (`config.invalid_plugin` at the section) is the plugin's own fault.
 */
function namingPlugin(error: unknown, configured: readonly PluginEntry[]): unknown {
  if (!(error instanceof CapstanError) || error.path === 'plugins') return error;
  const owner = configured.find((entry) => error.path === entry.plugin.name || error.path?.startsWith(`${entry.plugin.name}.`) === true);
  if (owner?.spec === undefined) return error;
  const fix = error.code === ErrorCode.InvalidPlugin ? 'fix the plugin, or remove it from `plugins:`' : 'see its documentation';
  return new CapstanError(error.code, `${error.message} (the options of plugin "${owner.spec}"; ${fix})`, {
    path: error.path,
    cause: error,
    details: { ...error.details, plugin: owner.spec },
  });
}
