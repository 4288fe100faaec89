import { type ObjectStore } from '@capstan/core-constraints';
import { AzureObjectStore } from './azure-object-store';
import { azureSettings } from './azure-settings';

/**
 * The `az://` store of the transfer's `azure` section, or null without one. Refused options are a CapstanError under
 * `path` (`api.transfer.azure.accountKey`) that never quotes a credential. Building the store loads no SDK.
 */
export function azureObjectStore(options: unknown, path: string | null = null): ObjectStore | null {
  return options === undefined ? null : new AzureObjectStore(azureSettings(options, path));
}
