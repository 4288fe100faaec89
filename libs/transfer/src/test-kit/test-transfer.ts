import { FileAndHttpTransfer } from '../file-and-http-transfer';
import { parseTransferOptions, type TransferOptions } from '../options/transfer-options';
import { recordingClock } from './recording-clock';

/**
 * A transfer for the http tests: 100 ms backoff, every progress event sent, retry waits recorded (`waits`) rather
 * than slept, and 127.0.0.1 (where the test servers listen) allowed unless the options say otherwise.
 */
export function testTransfer(options: TransferOptions = {}): { transfer: FileAndHttpTransfer; waits: number[] } {
  const clock = recordingClock();
  const settings = parseTransferOptions({ backoffMs: 100, progressIntervalMs: 0, allowAddresses: ['127.0.0.1/32'], ...options });
  return { transfer: new FileAndHttpTransfer(settings, clock), waits: clock.waits };
}
