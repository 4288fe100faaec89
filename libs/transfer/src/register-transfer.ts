import { type ObjectStore } from '@capstan/core-constraints';
import { type DependencyContainer } from 'tsyringe';
import { FileAndHttpTransfer } from './file-and-http-transfer';
import { FileTransfer } from './file-transfer';
import { parseTransferOptions } from './options/transfer-options';

/**
 * Validates the options (a CapstanError under `path`, e.g. `transfer.allowedRoots.0`, before anything is registered)
 * and registers one FileAndHttpTransfer under the FileTransfer token, speaking the schemes of `stores` too. Returns it.
 */
export function registerTransfer(
  container: DependencyContainer,
  options: unknown,
  path: string | null = null,
  stores: readonly ObjectStore[] = [],
): FileAndHttpTransfer {
  const transfer = new FileAndHttpTransfer(parseTransferOptions(options, path), undefined, undefined, stores);
  container.registerInstance(FileTransfer, transfer);
  return transfer;
}
