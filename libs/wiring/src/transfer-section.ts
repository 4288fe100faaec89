import { azureObjectStore, azureStoreOptionsSchema } from '@capstan/azure-store';
import { type RemoteFiles } from '@capstan/engine';
import { gsStoreOptionsSchema, objectStores, s3StoreOptionsSchema } from '@capstan/s3-store';
import { FileTransfer, registerTransfer, transferOptionsSchema, type TransferSettings } from '@capstan/transfer';
import { type ObjectStore } from '@capstan/core-constraints';
import { type DependencyContainer } from 'tsyringe';
import { type z } from 'zod';

/**
 * The transfer's settings with its object stores beside them (`s3`, `gs`, `azure`: each served only when its section
 * is given): the TES server's `api.transfer` and the CLI's `transfer`, one definition for both.
 */
export const transferSectionSchema = transferOptionsSchema.extend({
  s3: s3StoreOptionsSchema.optional(),
  gs: gsStoreOptionsSchema.optional(),
  azure: azureStoreOptionsSchema.optional(),
});
export type TransferSection = z.output<typeof transferSectionSchema>;

/**
 * Registers the FileTransfer of a transfer section (`path` names it in errors: `api.transfer`, `transfer`) with the
 * stores it turns on. Building a store loads no SDK: that waits for its first transfer.
 */
export function registerTransferSection(container: DependencyContainer, section: TransferSection, path: string): { settings: TransferSettings; stores: ObjectStore[] } {
  const { s3, gs, azure, ...transferOptions } = section;
  const azureStore = azureObjectStore(azure, `${path}.azure`);
  const stores = [...objectStores({ s3, gs }, path), ...(azureStore === null ? [] : [azureStore])];
  const { settings } = registerTransfer(container, transferOptions, path, stores);
  return { settings, stores };
}

/**
 * The engine's remote inputs and output dir through the FileTransfer of the CLI's `transfer` section, registered when
 * the first URL is met: a run of local files builds no store.
 */
export function remoteFilesOf(container: DependencyContainer, section: TransferSection, path: string): RemoteFiles {
  let transfer: FileTransfer | undefined;
  const resolveTransfer = (): FileTransfer => {
    if (transfer === undefined) {
      registerTransferSection(container, section, path);
      transfer = container.resolve(FileTransfer);
    }
    return transfer;
  };
  return {
    check: (url, fieldPath, direction = 'in') => resolveTransfer().checkAddress(url, direction, fieldPath),
    async fetch({ url, hostPath, type, fieldPath }, signal) {
      await resolveTransfer().fetchInput({ url, hostPath, type: type === 'directory' ? 'DIRECTORY' : 'FILE', fieldPath }, signal);
    },
    async put({ url, hostPath, within, fieldPath }, signal) {
      await resolveTransfer().putOutput({ url, hostPath, within, type: 'FILE', fieldPath }, signal);
    },
  };
}
