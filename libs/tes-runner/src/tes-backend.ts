import {
  type Backend,
  type BackendCapabilities,
  type BackendCapacity,
  type BackendEvent,
  type BackendProbe,
  CapstanError,
  ErrorCode,
  type ExecutionRequest,
  type ExecutionResult,
  type ManagedResource,
} from '@capstan/core-constraints';
import { canceledBeforeStart } from '@capstan/support';
import { CAPSTAN_TES_DESCRIPTION, isFinal, type TesServiceInfo, type TesTaskInView } from '@capstan/tes-model';
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { checkLocalInputs } from './execution/check-inputs';
import { RemoteAttempt } from './execution/remote-attempt';
import { submitTask } from './execution/submit-task';
import { TesHttpClient } from './http/tes-http-client';
import { hostPathToUrl } from './mapping/host-url';
import { toTesTask } from './mapping/task-mapping';
import { TaskPoller } from './polling/task-poller';
import { TES_CAPABILITIES } from './tes-capabilities';
import { EXAMPLE_TES_URL, type TesBackendOptions, type TesBackendOptionsInput, parseTesBackendOptions } from './tes-backend-options';
import { TesTag } from './tes-tags';

/** What the backend needs once `url` is set. */
interface Connection {
  readonly client: TesHttpClient;
  readonly poller: TaskPoller;
}

/**
 * Runs each attempt as one task on a GA4GH TES v1.1 server (Capstan's own api, Funnel, ...). Every task carries the
 * request's labels and a tag naming this instance; one shared poll lists this instance's tasks for all attempts at
 * once. See the README for the task layout and what the file:// URLs need of the server.
 */
export class TesBackend implements Backend {
  readonly name = 'tes';
  readonly options: TesBackendOptions;
  /** The tag every task of this instance carries (a new value per instance). */
  readonly instanceTag: { readonly key: string; readonly value: string };
  private readonly connection: Connection | undefined;
  /** Whether the server is a Capstan one, once its service-info said so (asked once, by the probe or the first end). */
  private capstanServer: Promise<boolean> | undefined;
  private knownCapstan = false;

  constructor(options: TesBackendOptionsInput = {}, fetchImpl: typeof fetch = globalThis.fetch) {
    this.options = parseTesBackendOptions(options);
    this.instanceTag = { key: TesTag.Client, value: randomUUID() };
    const url = this.options.url;
    if (url === undefined) {
      this.connection = undefined;
      return;
    }
    const o = this.options;
    const client = new TesHttpClient(
      { url, auth: o.auth, requestTimeoutMs: o.requestTimeoutMs, retry: { retries: o.retries, baseDelayMs: o.retryDelayMs, maxDelayMs: o.retryMaxDelayMs } },
      fetchImpl,
    );
    const poller = new TaskPoller(client, { intervalMs: o.pollIntervalMs, pageSize: o.pageSize, unreachableTimeoutMs: o.unreachableTimeoutMs, tag: this.instanceTag });
    this.connection = { client, poller };
  }

  /**
   * TES_CAPABILITIES; usage `final-only` once the server's service-info showed a Capstan server (its task logs carry
   * each task's usage), `unavailable` against any other server, as TES 1.1 has no usage field.
   */
  get capabilities(): BackendCapabilities {
    return this.knownCapstan ? { ...TES_CAPABILITIES, usage: 'final-only' } : TES_CAPABILITIES;
  }

  private recognize(info: TesServiceInfo): boolean {
    this.knownCapstan = info.description === CAPSTAN_TES_DESCRIPTION;
    this.capstanServer = Promise.resolve(this.knownCapstan);
    return this.knownCapstan;
  }

  /** Asks service-info once; a server that does not answer it is taken for another (no usage read). */
  private readsUsage(client: TesHttpClient): Promise<boolean> {
    this.capstanServer ??= client.serviceInfo({ retries: 0 }).then(
      (info) => this.recognize(info),
      () => {
        this.capstanServer = undefined;
        return false;
      },
    );
    return this.capstanServer;
  }

  /** The shared poll loop (for tests and diagnostics); undefined when no url is set. */
  get poller(): TaskPoller | undefined {
    return this.connection?.poller;
  }

  async probe(signal?: AbortSignal): Promise<BackendProbe> {
    if (this.connection === undefined) {
      return { available: false, problems: [`tes.url is not set; set it to a TES v1.1 API base, e.g. ${EXAMPLE_TES_URL} (tes: { url: ... } in the configuration, or CAPSTAN_TES__URL)`], details: {} };
    }
    const { client } = this.connection;
    const url = client.settings.url;
    try {
      const info = await client.serviceInfo({ signal, retries: 0 });
      this.recognize(info);
      // service-info is often open to all; listing tasks proves the credentials are accepted where they matter.
      await client.listTasks({ tags: { [this.instanceTag.key]: this.instanceTag.value }, view: 'MINIMAL', pageSize: 1 }, { signal, retries: 0 });
      return {
        available: true,
        version: `${info.name} ${info.version} (TES ${info.type.version})`,
        problems: [],
        details: { url, id: info.id, organization: info.organization.name, tesVersion: info.type.version, auth: this.options.auth.type },
      };
    } catch (error) {
      if (signal?.aborted) throw error;
      return { available: false, problems: [describeFailure(error, url)], details: { url, auth: this.options.auth.type } };
    }
  }

  /** From the configuration: the server schedules, so only the per-task maximum matters (to refuse early). */
  capacity(): Promise<BackendCapacity> {
    const amounts = { cpu: this.options.maxCpuPerTask, memory: this.options.maxMemoryPerTask, gpu: 0 };
    return Promise.resolve({ total: amounts, perTaskMax: amounts, fpga: 0, containerKinds: this.capabilities.containerKinds });
  }

  async execute(request: ExecutionRequest, signal: AbortSignal, emit: (event: BackendEvent) => void): Promise<ExecutionResult> {
    const { client, poller } = this.connected();
    const submittedAt = new Date();
    if (signal.aborted) return canceledBeforeStart('the task was submitted', submittedAt);
    const urlOf = (path: string): string => hostPathToUrl(path, this.options.pathMappings);
    await checkLocalInputs(request, urlOf);
    const command = await readFile(request.paths.commandFile, 'utf8');
    const task = toTesTask(request, { command, tags: { [this.instanceTag.key]: this.instanceTag.value, [TesTag.Submission]: randomUUID() }, urlOf });
    // Not abortable: a POST cut short may still create the task, which would then run unseen. A cancel that arrives
    // meanwhile is forwarded as soon as the id is known (RemoteAttempt looks at the signal first).
    const id = await submitTask(client, task);
    return new RemoteAttempt(id, request, emit, { client, poller, cancelWaitMs: this.options.cancelWaitMs, readsUsage: () => this.readsUsage(client) }, submittedAt).follow(signal);
  }

  /**
   * Unfinished tasks carrying every label of `selector` as tags (a finished TES task holds nothing and cannot be
   * deleted, so it is not listed). Lists by tag, following pages; tags are compared exactly here too, since TES reads
   * an empty filter value as "any value".
   */
  async listManaged(selector: Readonly<Record<string, string>>, signal?: AbortSignal): Promise<ManagedResource[]> {
    const { client } = this.connected();
    const found: ManagedResource[] = [];
    const tokens = new Set<string>();
    let pageToken: string | undefined;
    do {
      const page = await client.listTasks({ tags: selector, view: 'BASIC', pageSize: this.options.pageSize, pageToken }, { signal });
      found.push(...page.tasks.filter((task) => task.id !== undefined && !isFinal(task.state) && carries(task, selector)).map(toResource));
      pageToken = page.next_page_token === '' ? undefined : page.next_page_token;
      if (pageToken !== undefined && tokens.has(pageToken)) break;
      if (pageToken !== undefined) tokens.add(pageToken);
    } while (pageToken !== undefined);
    return found;
  }

  /** Cancels the task (TES has no delete); a task the server no longer knows is already gone. */
  async removeManaged(resource: ManagedResource, signal?: AbortSignal): Promise<void> {
    const { client } = this.connected();
    try {
      await client.cancelTask(resource.id, { signal });
    } catch (error) {
      if (error instanceof CapstanError && error.code === ErrorCode.TesTaskNotFound) return;
      throw error;
    }
  }

  private connected(): Connection {
    if (this.connection !== undefined) return this.connection;
    throw new CapstanError(ErrorCode.InvalidConfig, `tes.url is not set, so the tes backend has no server to send tasks to; set it to a TES v1.1 API base, e.g. ${EXAMPLE_TES_URL}`, { path: 'tes.url' });
  }
}

function carries(task: TesTaskInView, selector: Readonly<Record<string, string>>): boolean {
  return Object.entries(selector).every(([key, value]) => task.tags?.[key] === value);
}

function toResource(task: TesTaskInView): ManagedResource {
  const id = task.id ?? '';
  return { id, name: task.name ?? id, labels: { ...(task.tags ?? {}) }, state: task.state };
}

/** A probe's problem: what failed, and the fix. */
function describeFailure(error: unknown, url: string): string {
  if (error instanceof CapstanError) return error.message;
  const reason = error instanceof Error ? error.message : String(error);
  return `the TES server at ${url} could not be asked (${reason}); check tes.url and that the server runs`;
}
