// The public API of @capstan/azure-store (reviewed in api/azure-store.api.md): named exports only.
export { type AzureStoreOptions, azureStoreOptionsSchema } from './azure-options';
export { azureObjectStore } from './object-stores';
