// The public API of @capstan/cleanup (reviewed in api/cleanup.api.md): named exports only.
export { findForeignOwners, type ForeignOwnerScan } from './foreign-owners';
export { type ProcessTable, procProcessTable } from './owner-process';
export { type ReapOptions, reapOrphans, type ReapReport, type ResourceOwner } from './reap-orphans';
export { applyRetention, RETENTION_POLICIES, type RetentionPolicy } from './retention';
export { type OldRunsOptions, type OldRunsReport, removeOldRuns } from './old-runs';
