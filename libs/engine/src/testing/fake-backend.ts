import {
  type Backend,
  type BackendCapabilities,
  type BackendCapacity,
  type BackendEvent,
  type BackendProbe,
  type ExecutionRequest,
  type ExecutionResult,
} from '@capstan/core-constraints';

/** A scripted backend for the engine's unit tests only: each attempt's outcome comes from `script`. */
export class FakeBackend implements Backend {
  readonly requests: ExecutionRequest[] = [];
  readonly capabilities: BackendCapabilities = {
    containerKinds: ['docker', 'any'],
    runsContainers: true,
    enforcesMemoryLimit: true,
    enforcesCpuLimit: true,
    gpus: false,
    readOnlyInputs: true,
    networkIsolation: true,
    runsAsInvokingUser: true,
    enforcesDiskSize: false,
    schedulesItself: false,
  };

  constructor(
    readonly name: string,
    private readonly script: (request: ExecutionRequest, signal: AbortSignal, emit: (event: BackendEvent) => void) => Promise<Partial<ExecutionResult>>,
    private readonly amounts = { cpu: 4, memory: 8 * 1024 ** 3, gpu: 0 },
  ) {}

  probe(): Promise<BackendProbe> {
    return Promise.resolve({ available: true, problems: [], details: {} });
  }

  capacity(): Promise<BackendCapacity> {
    return Promise.resolve({ total: this.amounts, perTaskMax: this.amounts, fpga: 0, containerKinds: this.capabilities.containerKinds });
  }

  async execute(request: ExecutionRequest, signal: AbortSignal, emit: (event: BackendEvent) => void): Promise<ExecutionResult> {
    this.requests.push(request);
    const startedAt = new Date();
    const outcome = await this.script(request, signal, emit);
    return { exitCode: 0, endReason: 'exited', startedAt, endedAt: new Date(), ...outcome };
  }
}

/** Resolves when the signal aborts, with the outcome a real backend gives a canceled attempt. */
export function untilAborted(signal: AbortSignal): Promise<Partial<ExecutionResult>> {
  return new Promise((resolve) => {
    const done = (): void => resolve({ exitCode: null, endReason: 'canceled' });
    if (signal.aborted) done();
    else signal.addEventListener('abort', done, { once: true });
  });
}
