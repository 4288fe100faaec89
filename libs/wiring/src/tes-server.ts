import { BackendRegistry, CapstanError, capstanParser, ErrorCode, parseSize } from '@capstan/core-constraints';
import {
  createTesHttpServer,
  EngineTesService,
  FileMover,
  type TesHttpServer,
  type TesServiceEvent,
  TesServiceOptions,
  tesServiceOptionsSchema,
  type TransferProgress,
  type UploadedFile,
} from '@capstan/tes-server';
import { SqliteTesTaskStore, TesTaskStore } from '@capstan/tes-store';
import { FileAndHttpTransfer, parseTransferOptions, redactUrl, transferOptionsSchema, type TransferSettings } from '@capstan/transfer';
import { TaskEngine } from '@capstan/engine';
import { mkdir } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { wire, type WireOptions } from './wire';

/** The `api` section of Capstan's configuration: the TES server. */
export const apiConfigSchema = z.strictObject({
  host: z.string().min(1).default('127.0.0.1'),
  port: z.int().min(0).max(65_535).default(8000),
  /** The task database, each task's files and the engine's work folders; relative to the working folder. */
  dataDir: z.string().min(1).default('capstan-tes'),
  /**
   * Bearer tokens clients must send. Authentication is on unless `disabled: true`, which is allowed only when `host`
   * is a loopback address. Tokens may also come from `CAPSTAN_API__AUTH__TOKENS='["..."]'`.
   */
  auth: z.strictObject({ tokens: z.array(z.string()).optional(), disabled: z.boolean().optional() }).default({}),
  bodyLimitBytes: capstanParser((value) => Number(parseSize(value))).default(4 * 1024 * 1024),
  maxRunningTasks: tesServiceOptionsSchema.shape.maxRunningTasks,
  paused: tesServiceOptionsSchema.shape.paused,
  selectableBackends: tesServiceOptionsSchema.shape.selectableBackends,
  logTailBytes: tesServiceOptionsSchema.shape.logTailBytes,
  keepTaskFiles: tesServiceOptionsSchema.shape.keepTaskFiles,
  serviceInfo: tesServiceOptionsSchema.shape.serviceInfo,
  transfer: transferOptionsSchema.default(transferOptionsSchema.parse({})),
});
export type ApiConfig = z.output<typeof apiConfigSchema>;

export interface StartTesServerOptions {
  readonly configFile?: string;
  /** Dotted config keys from flags: `api.port`, `api.host`, `backend`, ... */
  readonly flags?: Readonly<Record<string, unknown>>;
  /** Where the JSON log lines go (requests and task events). Default: process.stdout. */
  readonly logStream?: { write(line: string): unknown };
  readonly cwd?: string;
  /** Backends besides the built-in ones (see `WireOptions.registerBackends`). */
  readonly registerBackends?: WireOptions['registerBackends'];
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

/** The FileMover the TES service needs, over @capstan/transfer. */
class TransferFileMover implements FileMover {
  constructor(
    private readonly transfer: FileAndHttpTransfer,
    private readonly settings: TransferSettings,
  ) {}

  async fetchInput(
    input: Parameters<FileMover['fetchInput']>[0],
    signal: AbortSignal,
    onProgress: (progress: TransferProgress) => void,
  ): Promise<void> {
    await this.transfer.fetchInput(
      { url: input.url ?? null, content: input.content ?? null, type: input.type === 'directory' ? 'DIRECTORY' : 'FILE', hostPath: input.hostPath, fieldPath: input.fieldPath },
      signal,
      (progress) => onProgress({ direction: 'in', url: progress.url, bytesDone: progress.bytesDone, bytesTotal: progress.bytesTotal ?? null }),
    );
  }

  async putOutput(
    output: Parameters<FileMover['putOutput']>[0],
    signal: AbortSignal,
    onProgress: (progress: TransferProgress) => void,
  ): Promise<UploadedFile[]> {
    const files = await this.transfer.putOutput(
      { hostPath: output.hostPath, url: output.url, type: output.type === 'directory' ? 'DIRECTORY' : 'FILE', within: output.within, fieldPath: output.fieldPath },
      signal,
      (progress) => onProgress({ direction: 'out', url: progress.url, bytesDone: progress.bytesDone, bytesTotal: progress.bytesTotal ?? null }),
    );
    return files.map((file) => ({ url: file.url, relativePath: file.relativePath, sizeBytes: file.sizeBytes }));
  }

  /** The same rules the transfer applies, checked when a task is created so that it is refused with a 400 at once. */
  checkAddress(url: string, _direction: 'in' | 'out', fieldPath: string): void {
    const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(url)?.[1]?.toLowerCase();
    if (scheme === 'http' || scheme === 'https') return;
    const shown = redactUrl(url);
    if (scheme !== 'file') {
      throw new CapstanError(
        ErrorCode.TransferRefused,
        `${fieldPath} is ${JSON.stringify(shown)}, ${scheme === undefined ? 'not a URL' : `a ${scheme}:// URL`}; this server moves files by file:// (under ${this.rootsText()}) and http(s)://`,
        { path: fieldPath, details: { value: shown } },
      );
    }
    let path: string;
    try {
      path = fileURLToPath(url);
    } catch {
      throw new CapstanError(ErrorCode.TransferRefused, `${fieldPath} is ${JSON.stringify(shown)}, not a file:// URL this host can read; write file:///absolute/path`, { path: fieldPath });
    }
    if (!this.settings.allowedRoots.some((root) => path === root || path.startsWith(root.endsWith('/') ? root : `${root}/`))) {
      throw new CapstanError(
        ErrorCode.TransferRefused,
        `${fieldPath} is ${JSON.stringify(shown)}, outside the folders this server may use (${this.rootsText()}); use a path under one of them, or add its folder to api.transfer.allowedRoots`,
        { path: fieldPath, details: { value: shown } },
      );
    }
  }

  private rootsText(): string {
    return this.settings.allowedRoots.length === 0 ? 'none are configured: api.transfer.allowedRoots is empty' : this.settings.allowedRoots.join(', ');
  }
}

/**
 * Starts Capstan's TES server: reads the configuration (the `api` section and the engine's), wires the engine on the
 * chosen backend, opens the task store in the data folder, reconciles what an earlier process left, and listens.
 */
export async function startTesServer(options: StartTesServerOptions = {}): Promise<RunningTesServer> {
  const cwd = options.cwd ?? process.cwd();
  const logStream = options.logStream ?? process.stdout;
  const dataDirOf = (api: ApiConfig): string => (isAbsolute(api.dataDir) ? api.dataDir : resolve(cwd, api.dataDir));
  const wiring = await wire({
    extraSections: { api: apiConfigSchema },
    workRoot: (config) => join(dataDirOf(config.backends['api'] as ApiConfig), 'work'),
    ...(options.configFile === undefined ? {} : { configFile: options.configFile }),
    ...(options.flags === undefined ? {} : { flags: options.flags }),
    ...(options.registerBackends === undefined ? {} : { registerBackends: options.registerBackends }),
  });
  const api = wiring.config.backends['api'] as ApiConfig;
  const dataDir = dataDirOf(api);
  await mkdir(dataDir, { recursive: true });

  const settings = parseTransferOptions(api.transfer, 'api.transfer');
  const store = new SqliteTesTaskStore({ file: join(dataDir, 'tasks.sqlite') });
  const { container } = wiring;
  container.registerInstance(TesTaskStore, store);
  container.registerInstance(TaskEngine, wiring.engine);
  container.registerInstance(BackendRegistry, wiring.registry);
  container.registerInstance(FileMover, new TransferFileMover(new FileAndHttpTransfer(settings), settings));
  container.registerInstance(
    TesServiceOptions,
    tesServiceOptionsSchema.parse({
      dataDir,
      defaultBackend: wiring.backend.name,
      maxRunningTasks: api.maxRunningTasks,
      paused: api.paused,
      selectableBackends: api.selectableBackends,
      logTailBytes: api.logTailBytes,
      keepTaskFiles: api.keepTaskFiles,
      serviceInfo: api.serviceInfo,
      storage: settings.allowedRoots.map((root) => `file://${root}`),
    }),
  );
  const service = container.resolve(EngineTesService);
  const logEvent = (event: TesServiceEvent): void => {
    logStream.write(`${JSON.stringify({ time: new Date().toISOString(), event: event.type, ...eventFields(event) })}\n`);
  };
  service.subscribe(logEvent);
  let app: TesHttpServer | undefined;
  try {
    app = createTesHttpServer(service, {
      host: api.host,
      auth: api.auth,
      bodyLimitBytes: api.bodyLimitBytes,
      bodyLimitSetting: 'api.bodyLimitBytes',
      logStream,
    });
    await service.start();
    await app.listen({ host: api.host, port: api.port });
  } catch (error) {
    service.close();
    await app?.close();
    store.close();
    wiring.engine.close();
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
      service.close();
      await server.close();
      store.close();
      wiring.engine.close();
    },
  };
}

function eventFields(event: TesServiceEvent): Record<string, unknown> {
  switch (event.type) {
    case 'state':
      return { taskId: event.taskId, state: event.state };
    case 'transfer':
      return { taskId: event.taskId, ...event.progress };
    case 'reconciled':
      return { taskId: event.taskId, outcome: event.outcome };
  }
}
