export { ResourceLedger } from './resource-ledger';
export { defaultBackfillDepth, type ResourceLedgerOptions } from './ledger-options';
export { registerResourceManager } from './register-resource-manager';
