import { CapstanError, ErrorCode, GUEST_COMMAND_FILE, GUEST_WORK_DIR } from '@capstan/core-constraints';
import { posix } from 'node:path';

/** One folder Capstan sees at `inside` and the daemon's host at `outside` (a bind mount or a volume of its container). */
export interface PathMapping {
  readonly inside: string;
  readonly outside: string;
}

/** Where a map comes from, for messages: nothing to translate, Capstan's own container, or the configuration. */
export type HostPathOrigin =
  | { readonly kind: 'same' }
  | { readonly kind: 'container'; readonly id: string; readonly name: string }
  | { readonly kind: 'configured'; readonly option: string };

/** A path the daemon is asked to bind, with what it is (named in errors): "the work dir", "input /data/x.fq". */
export interface BindSource {
  readonly role: string;
  readonly path: string;
}

/**
 * Capstan's paths as the daemon's host sees them. When Capstan runs in a container next to the daemon (the host's
 * socket mounted in), the daemon resolves bind sources on the host, so every path Capstan hands it must first be
 * translated through the folders mounted into Capstan's container: the longest mounted prefix wins. A path under
 * none lives in the container's own filesystem, which the host cannot bind: that is an error naming the fix.
 */
export class HostPathMap {
  private readonly mappings: readonly PathMapping[];

  constructor(
    mappings: readonly PathMapping[],
    readonly origin: HostPathOrigin,
  ) {
    this.mappings = mappings
      .map((mapping) => ({ inside: normalise(mapping.inside), outside: normalise(mapping.outside) }))
      .sort((a, b) => b.inside.length - a.inside.length);
  }

  /** Paths are the same for Capstan and the daemon's host (Capstan runs on the host, or no container was found). */
  static same(): HostPathMap {
    return new HostPathMap([], { kind: 'same' });
  }

  /** Whether paths change on their way to the daemon. */
  get translates(): boolean {
    return this.origin.kind !== 'same';
  }

  /** The folders mapped, in path order. */
  get entries(): readonly PathMapping[] {
    return [...this.mappings].sort((a, b) => a.inside.localeCompare(b.inside));
  }

  /** The host's path for `path` (absolute, symlinks already resolved by the caller); throws when the host cannot see it. */
  toHost(path: string, role = 'the path'): string {
    if (!this.translates) return path;
    const wanted = normalise(path);
    for (const { inside, outside } of this.mappings) {
      if (wanted === inside) return outside;
      const prefix = inside === '/' ? '/' : `${inside}/`;
      if (wanted.startsWith(prefix)) return posix.join(outside, wanted.slice(prefix.length));
    }
    throw this.invisible(role, wanted);
  }

  /** One line for probes and logs: "container 3f2a1b9c0d4e (capstan): /data -> /srv/data, ...". */
  describe(): string {
    const list = this.entries.map((mapping) => `${mapping.inside} -> ${mapping.outside}`).join(', ') || 'nothing mounted';
    switch (this.origin.kind) {
      case 'same':
        return 'the same paths as the daemon';
      case 'container':
        return `container ${this.origin.id.slice(0, 12)} (${this.origin.name}): ${list}`;
      case 'configured':
        return `${this.origin.option}: ${list}`;
    }
  }

  private invisible(role: string, path: string): CapstanError {
    const top = `/${path.split('/').filter((part) => part !== '')[0] ?? ''}`;
    const mounted = this.entries.map((mapping) => mapping.inside).join(', ') || 'none';
    const details = { value: path, role, mapped: this.entries.map((mapping) => mapping.inside) };
    if (this.origin.kind === 'configured') {
      return new CapstanError(
        ErrorCode.InvalidConfig,
        `${role} ${path} is under none of the folders of ${this.origin.option} (${mounted}), so the daemon's host path for it is unknown; ` +
          `add the folder that holds it to ${this.origin.option}, mapped to where the daemon's host sees it`,
        { path: this.origin.option, details },
      );
    }
    const container = this.origin.kind === 'container' ? `${this.origin.name} (${this.origin.id.slice(0, 12)})` : 'its container';
    return new CapstanError(
      ErrorCode.InvalidConfig,
      `${role} ${path} is not visible to the daemon: Capstan runs in container ${container}, and ${path} lies in that container's own ` +
        `filesystem, not in a folder mounted from the host (mounted: ${mounted}); mount a host folder there ` +
        `(e.g. docker run -v /srv/capstan${top}:${top} ...), or keep Capstan's work root and inputs under a mounted folder`,
      { details },
    );
  }
}

/** One bind of an attempt: the source (in Capstan's view until translated), where the task sees it, and how. */
export interface AttemptBind extends BindSource {
  readonly target: string;
  readonly readOnly: boolean;
}

/**
 * The binds of one attempt, as every Docker-API backend lays them out: the work dir rw, the command file ro, each
 * input at its guest path (ro unless writable), each extra disk's folder rw.
 */
export function attemptBinds(
  paths: { readonly workDir: string; readonly commandFile: string },
  inputs: ReadonlyArray<{ readonly hostPath: string; readonly guestPath: string; readonly writable?: boolean }>,
  disks: ReadonlyArray<{ readonly hostPath: string; readonly mountPoint: string }>,
): AttemptBind[] {
  return [
    { role: 'the work dir', path: paths.workDir, target: GUEST_WORK_DIR, readOnly: false },
    { role: 'the command file', path: paths.commandFile, target: GUEST_COMMAND_FILE, readOnly: true },
    ...inputs.map((input) => ({ role: 'input', path: input.hostPath, target: input.guestPath, readOnly: input.writable !== true })),
    ...disks.map((disk) => ({ role: `the folder of disk ${disk.mountPoint}`, path: disk.hostPath, target: disk.mountPoint, readOnly: false })),
  ];
}

function normalise(path: string): string {
  const normal = posix.normalize(path);
  return normal.length > 1 ? normal.replace(/\/+$/, '') : normal;
}
