import { type ExecutionResult } from '@capstan/core-constraints';

/**
 * The end of an attempt whose signal aborted before anything ran: no exit code, `canceled`, and what had not happened
 * yet (`the container started`, `the job was submitted`), so that a canceled run says how far each attempt got.
 */
export function canceledBeforeStart(notYet: string, startedAt: Date = new Date()): ExecutionResult {
  return { exitCode: null, endReason: 'canceled', message: `canceled before ${notYet}`, startedAt, endedAt: new Date() };
}
