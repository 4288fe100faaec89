// The public API of @capstan/transfer (reviewed in api/transfer.api.md): named exports only.
export {
  FileTransfer,
  type InputRequest,
  inputRequestSchema,
  type OutputRequest,
  outputRequestSchema,
  type TransferredFile,
} from './file-transfer';
export { FileAndHttpTransfer } from './file-and-http-transfer';
export { registerTransfer } from './register-transfer';
export { parseTransferOptions, transferOptionsSchema, type TransferSettings } from './options/transfer-options';
export { redactUrl } from '@capstan/core-constraints';
export { type ProgressListener, type TransferProgress } from './progress/progress-reporter';
export { type RetryClock } from './http/retry-policy';
export { type Resolve } from './http/guarded-connect';
