import { type Backend, CapstanError, type EndReason, ErrorCode, type ExecutionRequest, type ExecutionResult } from '@capstan/core-constraints';

/**
 * A backend that throws has failed the attempt, not the engine: the failure is recorded like any other end. A runtime
 * that stopped answering mid-attempt is `lost` (retried like any failed attempt), never a result of the task's own.
 */
export async function executeAttempt(backend: Backend, request: ExecutionRequest, signal: AbortSignal, emit: Parameters<Backend['execute']>[2]): Promise<ExecutionResult> {
  const startedAt = new Date();
  try {
    return await backend.execute(request, signal, emit);
  } catch (error) {
    const unavailable = error instanceof CapstanError && error.code === ErrorCode.BackendUnavailable;
    if (error instanceof CapstanError && error.code !== ErrorCode.BackendFailure && !unavailable) throw error;
    const endReason: EndReason = signal.aborted ? 'canceled' : unavailable ? 'lost' : 'error';
    return { exitCode: null, endReason, message: error instanceof Error ? error.message : String(error), startedAt, endedAt: new Date() };
  }
}
