import { BackendRegistry, CapstanError, ErrorCode } from '@capstan/core-constraints';
import {
  createTesHttpServer,
  EngineTesService,
  type TesHttpServer,
  type PrincipalToken,
  TaskRetention,
  type TesServiceEvent,
  TesServiceOptions,
  tesServiceOptionsSchema,
} from '@capstan/tes-server';
import { SqliteTesTaskStore, TesTaskStore } from '@capstan/tes-store';
import { type LoadedConfig, type RouteRule, TaskEngine } from '@capstan/engine';
import { isAbsolute, join, resolve } from 'node:path';
import { type ApiConfig, apiConfigSchema, DEFAULT_PRINCIPAL } from './api-config';
import { findDashboardDir } from './dashboard-dir';
import { prepareDataDir } from './data-dir';
import { readTokenFile } from './token-file';
import { holderLabels } from '@capstan/naming';
import { dataFolderHolder } from './data-folder-holder';
import { wire, type WireOptions } from './wire';
import { registerTransferSection, transferSectionSchema } from './transfer-section';


export interface StartTesServerOptions {
  readonly configFile?: string;
  /** Dotted config keys from flags: `api.port`, `api.host`, `backend`, ... */
  readonly flags?: Readonly<Record<string, unknown>>;
  /** Where the JSON log lines go (requests and task events). Default: process.stdout. */
  readonly logStream?: { write(line: string): unknown };
  readonly cwd?: string;
  /** Backends besides the built-in ones (see `WireOptions.registerBackends`). */
  readonly registerBackends?: WireOptions['registerBackends'];
  /** Backend plugins besides Capstan's own (see `WireOptions.plugins`). */
  readonly plugins?: WireOptions['plugins'];
  /** The built dashboard's folder, served at `/`. Default: the one beside the running program (findDashboardDir). */
  readonly dashboardDir?: string;
}

export interface RunningTesServer {
  /** e.g. http://127.0.0.1:8000/ga4gh/tes/v1 */
  readonly url: string;
  readonly port: number;
  readonly app: TesHttpServer;
  readonly service: EngineTesService;
  readonly backend: string;
  /** Stops listening and leaves running tasks to the next start (they are reconciled from the store). */
  close(): Promise<void>;
}

/**
 * The backends a client may name in `backend_parameters.backend`: `api.selectableBackends` when set, else with
 * `backends:` every configured one (the registry holds those names only, never a type).
 */
function selectableOf(api: ApiConfig, registry: BackendRegistry, config: LoadedConfig): readonly string[] {
  if (api.selectableBackends.length > 0 || config.named === undefined) return api.selectableBackends;
  return registry.names.filter((name) => name !== config.engine.backend);
}

/**
 * TES tasks go through the engine's routes: like any task, so a rule may only send them to a backend the server
 * offers its clients (the default and api.selectableBackends): otherwise a rule would open one they cannot name, past
 * the checks made on those (a host backend).
 */
function assertRoutesOffered(routes: readonly RouteRule[], offered: readonly string[]): void {
  routes.forEach((rule, index) => {
    if (offered.includes(rule.backend)) return;
    throw new CapstanError(
      ErrorCode.InvalidConfig,
      `routes.${index}.backend is ${JSON.stringify(rule.backend)}, which this TES server does not offer (it offers ${offered.map((name) => JSON.stringify(name)).join(', ')}); add it to api.selectableBackends, or route to one of those`,
      { path: `routes.${index}.backend`, details: { value: rule.backend, offered: [...offered] } },
    );
  });
}

/**
 * Refuses to serve on a backend that runs commands on the host (no container) unless the operator allowed it in so
 * many words: TES clients are untrusted, and such a backend gives each of them a shell as the server's user.
 */
export function assertNoHostExecution(registry: BackendRegistry, backendNames: readonly string[], allowed: boolean): void {
  if (allowed) return;
  const onHost = [...new Set(backendNames)].filter((name) => !registry.get(name).capabilities.runsContainers);
  if (onHost.length === 0) return;
  const user = `uid ${process.getuid?.() ?? '?'}`;
  throw new CapstanError(
    ErrorCode.InvalidConfig,
    `the ${onHost.join(', ')} backend runs every client's command on this host as the server's own user (${user}), without a container; ` +
      'serve on docker, podman or apptainer instead, or pass --run-client-commands-on-host (api.runClientCommandsOnHost: true) if that is what you want',
    { path: onHost.includes(backendNames[0] as string) ? 'backend' : 'api.selectableBackends', details: { value: onHost } },
  );
}

/** What `startTesServer` (start-tes-server.ts, which imports this module when a server starts) does. */
export async function startTesServer(options: StartTesServerOptions = {}): Promise<RunningTesServer> {
  const cwd = options.cwd ?? process.cwd();
  const logStream = options.logStream ?? process.stdout;
  const dataDirOf = (api: ApiConfig): string => (isAbsolute(api.dataDir) ? api.dataDir : resolve(cwd, api.dataDir));
  let holder: Record<string, string> = {};
  const wiring = await wire({
    extraSections: { api: apiConfigSchema },
    // The CLI's `transfer` section shares the file; the server reads its own `api.transfer`.
    otherSections: { transfer: transferSectionSchema },
    workRoot: (config) => join(dataDirOf(config.backends['api'] as ApiConfig), 'work'),
    // Containers name the data folder, not this pid: the next start on the folder takes them over, and pid-based
    // reapers (capstan cleanup, capstan run) leave them alone.
    holderLabels: (config) => (holder = holderLabels(dataFolderHolder(dataDirOf(config.backends['api'] as ApiConfig)))),
    ...(options.configFile === undefined ? {} : { configFile: options.configFile }),
    ...(options.flags === undefined ? {} : { flags: options.flags }),
    hostFallback: false,
    // Clients may select any of api.selectableBackends, so every backend is registered, not only the default.
    allBackends: true,
    accept: (backend, registry, config) => {
      const api = config.backends['api'] as ApiConfig;
      const offered = [backend.name, ...selectableOf(api, registry, config)];
      assertRoutesOffered(config.engine.routes ?? [], offered);
      assertNoHostExecution(registry, offered, api.runClientCommandsOnHost);
    },
    ...(options.registerBackends === undefined ? {} : { registerBackends: options.registerBackends }),
    ...(options.plugins === undefined ? {} : { plugins: options.plugins }),
  });
  // Read once, by the configuration above; no task (on the local backend) or other child may inherit a token.
  delete process.env['CAPSTAN_API__AUTH__TOKEN'];
  delete process.env['CAPSTAN_API__AUTH__TOKENS'];
  const api = wiring.config.backends['api'] as ApiConfig;
  const dataDir = dataDirOf(api);
  try {
    const principals = await principalsOf(api, cwd);
    const dataDirState = await prepareDataDir(dataDir);
    // What the configuration ignored (an unknown CAPSTAN_ variable) is logged once, like every server event.
    for (const message of wiring.config.warnings) logStream.write(`${JSON.stringify({ time: new Date().toISOString(), event: 'config-warning', message })}\n`);
    if (dataDirState === 'tightened') logStream.write(`${JSON.stringify({ time: new Date().toISOString(), event: 'data-dir-tightened', dataDir, mode: '700' })}\n`);
    return await startOn(wiring, api, dataDir, principals, logStream, holder, options.dashboardDir ?? findDashboardDir());
  } catch (error) {
    wiring.engine.close();
    throw error;
  }
}

/** The named principals of the configuration: the tokens file's, then `api.auth.token`'s. */
async function principalsOf(api: ApiConfig, cwd: string): Promise<PrincipalToken[]> {
  const fromFile = api.auth.tokenFile === undefined ? [] : await readTokenFile(resolve(cwd, api.auth.tokenFile));
  return [...fromFile, ...(api.auth.token === undefined ? [] : [{ name: DEFAULT_PRINCIPAL, token: api.auth.token, admin: false }])];
}

async function startOn(
  wiring: Awaited<ReturnType<typeof wire>>,
  api: ApiConfig,
  dataDir: string,
  principals: PrincipalToken[],
  logStream: { write(line: string): unknown },
  holder: Readonly<Record<string, string>>,
  dashboardDir: string | undefined,
): Promise<RunningTesServer> {
  const { container } = wiring;
  // The TES service moves files through the transfer's own contract, so its rules (allowed roots, addresses) are one.
  const { settings, stores } = registerTransferSection(container, api.transfer, 'api.transfer');
  const store = new SqliteTesTaskStore({ file: join(dataDir, 'tasks.sqlite') });
  container.registerInstance(TesTaskStore, store);
  container.registerInstance(TaskEngine, wiring.engine);
  container.registerInstance(BackendRegistry, wiring.registry);
  container.registerInstance(
    TesServiceOptions,
    tesServiceOptionsSchema.parse({
      dataDir,
      defaultBackend: wiring.backend.name,
      maxRunningTasks: api.maxRunningTasks,
      paused: api.paused,
      selectableBackends: selectableOf(api, wiring.registry, wiring.config),
      logTailBytes: api.logTailBytes,
      keepTaskFiles: api.keepTaskFiles,
      maxTaskBytes: api.maxTaskBytes,
      eventBufferSize: api.events.bufferSize,
      holderLabels: holder,
      serviceInfo: api.serviceInfo,
      storage: [...settings.allowedRoots.map((root) => `file://${root}`), ...stores.flatMap((store) => store.describe())],
    }),
  );
  const service = container.resolve(EngineTesService);
  const logEvent = (event: TesServiceEvent): void => {
    logStream.write(`${JSON.stringify({ time: new Date().toISOString(), event: event.type, ...eventFields(event) })}\n`);
  };
  service.subscribe(logEvent);
  const retention = retentionOf(api, store, dataDir, logStream);
  let app: TesHttpServer | undefined;
  try {
    app = createTesHttpServer(service, {
      host: api.host,
      auth: {
        ...(api.auth.tokens === undefined ? {} : { tokens: api.auth.tokens }),
        ...(principals.length === 0 ? {} : { principals }),
        ...(api.auth.users === undefined ? {} : { users: api.auth.users }),
        ...(api.auth.disabled === undefined ? {} : { disabled: api.auth.disabled }),
      },
      bodyLimitBytes: api.bodyLimitBytes,
      bodyLimitSetting: 'api.bodyLimitBytes',
      listBudgetBytes: api.listBudgetBytes,
      rateLimit: api.rateLimit,
      events: { maxStreams: api.events.maxStreams, maxStreamsPerPrincipal: api.events.maxStreamsPerPrincipal, heartbeatSeconds: api.events.heartbeatSeconds, maxPendingBytes: api.events.maxPendingBytes },
      logStream,
      ...(dashboardDir === undefined ? {} : { dashboardDir }),
    });
    await service.start();
    retention?.start();
    await app.listen({ host: api.host, port: api.port });
  } catch (error) {
    retention?.stop();
    service.close();
    await app?.close();
    store.close();
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : api.port;
  const host = api.host.includes(':') ? `[${api.host}]` : api.host;
  const url = `http://${host}:${port}/ga4gh/tes/v1`;
  logStream.write(`${JSON.stringify({ time: new Date().toISOString(), event: 'listening', url, backend: wiring.backend.name, dataDir })}\n`);
  const server = app;
  return {
    url,
    port,
    app: server,
    service,
    backend: wiring.backend.name,
    async close() {
      retention?.stop();
      service.close();
      await server.close();
      store.close();
      wiring.engine.close();
    },
  };
}

/** The retention sweeper, when `api.retention.finishedTaskAge` is set; its deletions and failures go to the log. */
function retentionOf(api: ApiConfig, store: TesTaskStore, dataDir: string, logStream: { write(line: string): unknown }): TaskRetention | undefined {
  const { finishedTaskAge, sweepInterval, batchSize } = api.retention;
  if (finishedTaskAge === null) return undefined;
  const log = (fields: Record<string, unknown>): void => {
    logStream.write(`${JSON.stringify({ time: new Date().toISOString(), ...fields })}\n`);
  };
  return new TaskRetention(store, dataDir, { maxAgeMs: finishedTaskAge, intervalMs: sweepInterval ?? 3_600_000, batchSize }, (error) =>
    log({ event: 'retention-failed', message: error instanceof Error ? error.message : String(error) }),
  );
}

function eventFields(event: TesServiceEvent): Record<string, unknown> {
  switch (event.type) {
    case 'state':
      return { taskId: event.taskId, state: event.state };
    case 'transfer':
      return { taskId: event.taskId, ...event.progress };
    case 'reconciled':
      return { taskId: event.taskId, outcome: event.outcome };
    case 'executor-started':
      return { taskId: event.taskId, executor: event.executor };
    case 'executor-ended':
      return { taskId: event.taskId, executor: event.executor, exitCode: event.exitCode };
    case 'usage':
      return { taskId: event.taskId, executor: event.executor, ...event.sample };
    case 'system-log':
      return { taskId: event.taskId, message: event.message };
    case 'oom':
      return { taskId: event.taskId, executor: event.executor, message: event.message, settings: event.settings };
  }
}
