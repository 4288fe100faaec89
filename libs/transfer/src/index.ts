export { FileTransfer, inputRequestSchema, outputRequestSchema, type InputRequest, type OutputRequest, type TransferredFile } from './file-transfer';
export { FileAndHttpTransfer } from './file-and-http-transfer';
export { registerTransfer } from './register-transfer';
export { parseTransferOptions, transferOptionsSchema, type TransferOptions, type TransferSettings } from './options/transfer-options';
// Moved to core-constraints (the TES views redact with it too); kept here for the libraries that import it from here.
export { redactUrl } from '@capstan/core-constraints';
export { SUPPORTED_SCHEMES } from './address/transfer-address';
export { type ProgressListener, type TransferProgress } from './progress/progress-reporter';
export { systemClock, type RetryClock } from './http/retry-policy';
export { type Resolve } from './http/guarded-connect';
