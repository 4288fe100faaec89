import { FileAndHttpTransfer } from '../file-and-http-transfer';
import { parseTransferOptions, type TransferOptions } from '../options/transfer-options';
import { recordingClock } from './recording-clock';

/**
 * A transfer for the http tests: 100 ms backoff, every progress event sent, and retry waits recorded (`waits`)
 * rather than slept.
 */
export function testTransfer(options: TransferOptions = {}): { transfer: FileAndHttpTransfer; waits: number[] } {
  const clock = recordingClock();
  const settings = parseTransferOptions({ backoffMs: 100, progressIntervalMs: 0, ...options });
  return { transfer: new FileAndHttpTransfer(settings, clock), waits: clock.waits };
}
