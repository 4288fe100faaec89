import { type Backend, type ManagedResource } from '@capstan/core-constraints';
import { hostname } from 'node:os';
import { isOwnerAlive, procProcessTable, type ProcessTable } from './owner-process';

/** What the reaper needs to know of a resource's owner (read from its labels by the naming library). */
export interface ResourceOwner {
  readonly ownerHost: string;
  readonly ownerPid: number;
  readonly created: Date;
  /** A long-lived holder (a TES server's data folder) whose lock may come back: never reaped by pid. */
  readonly holder?: { readonly id: string; readonly folder: string };
}

export interface ReapOptions {
  /** Labels every Capstan resource carries (e.g. `io.capstan.managed=true`). */
  readonly selector: Readonly<Record<string, string>>;
  /** Reads the owner from a resource's labels; undefined when they are not Capstan's. */
  readonly parseOwner: (labels: Readonly<Record<string, string>>) => ResourceOwner | undefined;
  readonly host?: string;
  readonly processes?: ProcessTable;
  readonly signal?: AbortSignal;
  /** Decide and report, remove nothing: `removed` then lists what would be removed. */
  readonly dryRun?: boolean;
}

export interface ReapReport {
  /** Removed (or, in a dry run, that would be). */
  readonly removed: readonly ManagedResource[];
  /** Orphans that could not be removed, with why. */
  readonly failed: ReadonlyArray<{ readonly resource: ManagedResource; readonly reason: string }>;
  /** Resources left alone because their owner still runs, runs on another host, or cannot be told. */
  readonly kept: number;
  /** Resources of a dead pid left alone on purpose, with why (a holder whose lock may come back). */
  readonly skipped: ReadonlyArray<{ readonly resource: ManagedResource; readonly reason: string }>;
}

/**
 * Removes every labelled resource whose owner process is gone. Only resources created on this host are judged:
 * another host's processes cannot be seen from here. A resource with a holder (a TES server's data folder) is never
 * removed here, whatever its pid says: the server re-attaches it on its next start, and only that server, holding its
 * folder's lock, may remove it.
 */
export async function reapOrphans(backend: Backend, options: ReapOptions): Promise<ReapReport> {
  if (!backend.listManaged || !backend.removeManaged) return { removed: [], failed: [], kept: 0, skipped: [] };
  const host = options.host ?? hostname();
  const resources = await backend.listManaged(options.selector, options.signal);
  const removed: ManagedResource[] = [];
  const failed: Array<{ resource: ManagedResource; reason: string }> = [];
  const skipped: Array<{ resource: ManagedResource; reason: string }> = [];
  let kept = 0;
  for (const resource of resources) {
    const owner = options.parseOwner(resource.labels);
    const orphan = owner !== undefined && owner.ownerHost === host && !(await isOwnerAlive(owner.ownerPid, owner.created, options.processes ?? procProcessTable));
    if (!orphan) {
      kept += 1;
      continue;
    }
    if (owner.holder !== undefined) {
      const reason = `held by the TES server data folder ${owner.holder.folder} (holder id ${owner.holder.id}): its server takes it over when it starts again; stop it with that server (cancel the task) or remove the data folder's tasks first`;
      skipped.push({ resource, reason });
      continue;
    }
    if (options.dryRun === true) {
      removed.push(resource);
      continue;
    }
    try {
      await backend.removeManaged(resource, options.signal);
      removed.push(resource);
    } catch (error) {
      failed.push({ resource, reason: error instanceof Error ? error.message : String(error) });
    }
  }
  return { removed, failed, kept, skipped };
}
