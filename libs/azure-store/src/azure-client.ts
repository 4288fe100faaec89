import type * as StorageBlob from '@azure/storage-blob';
import { type AzureStoreSettings } from './azure-options';

export type BlobSdk = typeof StorageBlob;

export interface LoadedClient {
  readonly sdk: BlobSdk;
  readonly service: StorageBlob.BlobServiceClient;
}

/**
 * Imports the Azure SDK and builds the client at the first transfer: a process that never meets an az:// address
 * (every `capstan run` of a task without one) never loads it.
 */
export async function loadClient(settings: AzureStoreSettings): Promise<LoadedClient> {
  const sdk = await import('@azure/storage-blob');
  const options: StorageBlob.StoragePipelineOptions = {
    retryOptions: { maxTries: settings.retries + 1, tryTimeoutInMs: settings.timeoutMs },
  };
  const { credential, serviceUrl } = settings;
  if (credential.kind === 'connectionString') {
    // The endpoint option wins over the connection string's (the service URL was settled from both).
    const fromString = sdk.BlobServiceClient.fromConnectionString(credential.value, options);
    const shared = fromString.credential;
    return { sdk, service: new sdk.BlobServiceClient(withSas(serviceUrl, sasOf(fromString.url)), shared, options) };
  }
  if (credential.kind === 'accountKey') {
    return { sdk, service: new sdk.BlobServiceClient(serviceUrl, new sdk.StorageSharedKeyCredential(settings.account, credential.value), options) };
  }
  return { sdk, service: new sdk.BlobServiceClient(withSas(serviceUrl, credential.value), new sdk.AnonymousCredential(), options) };
}

function sasOf(url: string): string {
  return new URL(url).search.replace(/^\?/, '');
}

function withSas(serviceUrl: string, sas: string): string {
  return sas === '' ? serviceUrl : `${serviceUrl}?${sas}`;
}
