import { type Backend, type BackendCapacity, type BackendPlugin, BackendRegistry } from '@capstan/core-constraints';
import { EngineOptions, type LazySchema, type LoadedConfig, TaskEngine } from '@capstan/engine';
import { NameGenerator } from '@capstan/naming';
import { registerResourceManager, type ResourceLedgerOptions } from '@capstan/resource-manager';
import { container as rootContainer, type DependencyContainer } from 'tsyringe';
import { type z } from 'zod';
import { chooseAuto, chooseBackend } from './choose-backend';
import { assertPluginsRegistered, buildBuiltIn, type ConfiguredPlugins, readConfigWithPlugins, registerPlugins } from './plugin-set';
import { registerNamed, wireNamed } from './wire-named';
import { remoteFilesOf, type TransferSection } from './transfer-section';

export interface WireOptions {
  readonly configFile?: string;
  /** Dotted config keys set by flags (`backend`, `limits.cpu`, `docker.pullPolicy`, ...). */
  readonly flags?: Readonly<Record<string, unknown>>;
  /** Config sections besides the backends' (e.g. the TES server's `api`), validated by their schemas. */
  readonly extraSections?: Readonly<Record<string, z.ZodType>>;
  /**
   * Sections other commands read (the CLI's `run` is given the server's `api`): accepted in the file and environment,
   * not read; a schema given as a function is built only to tell an unknown `CAPSTAN_...` variable from theirs.
   */
  readonly otherSections?: Readonly<Record<string, z.ZodType | LazySchema>>;
  /** Overrides the configured work root (the TES server keeps its work under its data folder). */
  readonly workRoot?: string | ((config: LoadedConfig) => string);
  /**
   * Whether `auto` may fall back to running tasks on the host (`local`) when no container engine answers. Default
   * true, for `capstan run`; the TES server says false: a client's command must never reach the host by accident.
   */
  readonly hostFallback?: boolean;
  /** Keep `<work root>/latest` pointing at this run's folder: for `capstan run`, not a server. Default false. */
  readonly latestLink?: boolean;
  /** Labels on everything the engine's backends create (a TES server's holder: its data folder). */
  readonly holderLabels?: (config: LoadedConfig) => Readonly<Record<string, string>>;
  /** Refuses the chosen backend (by throwing) before anything is made on disk or started: a server's own rules. */
  readonly accept?: (backend: Backend, registry: BackendRegistry, config: LoadedConfig) => void;
  /** Registers backends besides the built-in ones (a host application's own, or a benchmark's in-memory one). */
  readonly registerBackends?: (container: DependencyContainer) => void;
  /**
   * Backend plugins besides Capstan's own, beside those the configuration's `plugins:` names; each is selected by its
   * name, with its options in the section of that name.
   */
  readonly plugins?: readonly BackendPlugin[];
  /**
   * Register every backend, not only the one chosen (or those `auto` probes): for a server, whose clients may select
   * others. `wireBackends` always registers every backend.
   */
  readonly allBackends?: boolean;
  /**
   * The config section (in `extraSections`, with transferSectionSchema) whose transfer fetches inputs from URLs other
   * than file:// (`s3://`): the CLI's `transfer`. Without it such inputs are refused.
   */
  readonly transferSection?: string;
}

export interface Wiring {
  readonly engine: TaskEngine;
  readonly registry: BackendRegistry;
  readonly backend: Backend;
  readonly config: LoadedConfig;
  /** Why `auto` chose the backend it did (one line per backend considered), empty when a name was given. */
  readonly selection: readonly string[];
}

/** Reads the configuration and registers every backend, without choosing one. */
export async function wireBackends(options: WireOptions = {}): Promise<{ config: LoadedConfig; registry: BackendRegistry; container: DependencyContainer }> {
  const wired = await registerWithConfig(options, true);
  wired.container.registerInstance(BackendRegistry, wired.registry);
  return wired;
}

async function registerWithConfig(options: WireOptions, all: boolean, read?: ConfiguredPlugins): Promise<{ config: LoadedConfig; registry: BackendRegistry; container: DependencyContainer }> {
  const configured = read ?? (await readConfigWithPlugins(options, all));
  if (configured.config.named !== undefined) {
    const container = rootContainer.createChildContainer();
    return { config: configured.config, registry: await registerNamed(container, configured, options), container };
  }
  const container = rootContainer.createChildContainer();
  const registered = await registerPlugins(container, configured, all);
  options.registerBackends?.(container);
  const registry = BackendRegistry.fromContainer(container);
  assertPluginsRegistered(registered, registry);
  return { config: configured.config, registry, container };
}

/** Reads the configuration and wires one engine on the chosen backend. */
export async function wire(options: WireOptions = {}): Promise<Wiring & { container: DependencyContainer }> {
  const all = options.allBackends ?? false;
  const configured = await readConfigWithPlugins(options, all);
  if (configured.config.named !== undefined) return wireNamed(configured, options);
  const { config, registry: registered, container } = await registerWithConfig(options, all, configured);
  const hostFallback = options.hostFallback ?? true;
  // `auto` imports and builds each candidate only when it comes to probe it: a run on Docker loads no other backend.
  const probed: Backend[] = [];
  const probe = async (name: string): Promise<Backend> => {
    const backend = await buildBuiltIn(container, name, config);
    probed.push(backend);
    return backend;
  };
  const { backend, selection } =
    config.engine.backend === 'auto' && !all ? await chooseAuto(probe, { hostFallback }) : await chooseBackend(registered, config.engine.backend, { hostFallback });
  const registry = probed.length === 0 ? registered : new BackendRegistry([...registered.names.map((name) => registered.get(name)), ...probed]);
  container.registerInstance(BackendRegistry, registry);
  options.accept?.(backend, registry, config);
  const capacity = await backend.capacity();
  registerResourceManager(container, ledgerOptions(backend, capacity, config));
  container.registerInstance(NameGenerator, new NameGenerator());
  container.registerInstance(EngineOptions, engineOptionsOf(config, options, backend.name, container));
  return { engine: container.resolve(TaskEngine), registry, backend, config, selection, container };
}

/** What a backend's ledger admits: its capacity, or only per-task checks when its cluster schedules itself. */
export function ledgerOptions(backend: Backend, capacity: BackendCapacity, config: LoadedConfig): ResourceLedgerOptions {
  return {
    capacity: capacity.total,
    perTaskMax: capacity.perTaskMax,
    unlimited: backend.capabilities.schedulesItself,
    ...(config.engine.maxConcurrentTasks === undefined ? {} : { maxConcurrentTasks: config.engine.maxConcurrentTasks }),
  };
}

/** The engine's settings from the configuration, with `backend` as its default. */
export function engineOptionsOf(config: LoadedConfig, options: WireOptions, backend: string, container: DependencyContainer): EngineOptions {
  const section = options.transferSection;
  return {
    ...(section === undefined ? {} : { remoteFiles: remoteFilesOf(container, config.backends[section] as TransferSection, section) }),
    backend,
    workRoot: typeof options.workRoot === 'function' ? options.workRoot(config) : (options.workRoot ?? config.engine.workRoot),
    shell: config.engine.shell,
    memoryRetryMultiplier: config.engine.memoryRetryMultiplier,
    cpuLimitBehavior: config.engine.limits.cpu,
    memoryLimitBehavior: config.engine.limits.memory,
    gpuLimitBehavior: config.engine.limits.gpu,
    retention: config.engine.retention,
    usageIntervalMs: config.engine.usageIntervalSeconds * 1000,
    ...(options.latestLink === true ? { latestLink: true } : {}),
    ...(config.engine.outputDir === undefined ? {} : { outputDir: config.engine.outputDir }),
    ...(options.holderLabels === undefined ? {} : { holderLabels: options.holderLabels(config) }),
    ...(config.engine.defaultContainer === undefined ? {} : { defaultContainer: config.engine.defaultContainer }),
    ...(config.engine.timeoutSeconds === undefined ? {} : { timeoutMs: config.engine.timeoutSeconds * 1000 }),
  };}
