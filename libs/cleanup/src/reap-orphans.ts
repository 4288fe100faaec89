import { type Backend, type ManagedResource } from '@capstan/core-constraints';
import { hostname } from 'node:os';
import { isOwnerAlive, procProcessTable, type ProcessTable } from './owner-process';

/** What the reaper needs to know of a resource's owner (read from its labels by the naming library). */
export interface ResourceOwner {
  readonly ownerHost: string;
  readonly ownerPid: number;
  readonly created: Date;
}

export interface ReapOptions {
  /** Labels every Capstan resource carries (e.g. `io.capstan.managed=true`). */
  readonly selector: Readonly<Record<string, string>>;
  /** Reads the owner from a resource's labels; undefined when they are not Capstan's. */
  readonly parseOwner: (labels: Readonly<Record<string, string>>) => ResourceOwner | undefined;
  readonly host?: string;
  readonly processes?: ProcessTable;
  readonly signal?: AbortSignal;
}

export interface ReapReport {
  readonly removed: readonly ManagedResource[];
  /** Orphans that could not be removed, with why. */
  readonly failed: ReadonlyArray<{ readonly resource: ManagedResource; readonly reason: string }>;
  /** Resources left alone because their owner still runs, runs on another host, or cannot be told. */
  readonly kept: number;
}

/**
 * Removes every labelled resource whose owner process is gone. Only resources created on this host are judged:
 * another host's processes cannot be seen from here.
 */
export async function reapOrphans(backend: Backend, options: ReapOptions): Promise<ReapReport> {
  if (!backend.listManaged || !backend.removeManaged) return { removed: [], failed: [], kept: 0 };
  const host = options.host ?? hostname();
  const resources = await backend.listManaged(options.selector, options.signal);
  const removed: ManagedResource[] = [];
  const failed: Array<{ resource: ManagedResource; reason: string }> = [];
  let kept = 0;
  for (const resource of resources) {
    const owner = options.parseOwner(resource.labels);
    const orphan = owner !== undefined && owner.ownerHost === host && !(await isOwnerAlive(owner.ownerPid, owner.created, options.processes ?? procProcessTable));
    if (!orphan) {
      kept += 1;
      continue;
    }
    try {
      await backend.removeManaged(resource, options.signal);
      removed.push(resource);
    } catch (error) {
      failed.push({ resource, reason: error instanceof Error ? error.message : String(error) });
    }
  }
  return { removed, failed, kept };
}
