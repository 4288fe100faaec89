// The public API of @capstan/resource-manager (reviewed in api/resource-manager.api.md): named exports only.
export { ResourceLedger } from './resource-ledger';
export { type ResourceLedgerOptions } from './ledger-options';
export { registerResourceManager } from './register-resource-manager';
