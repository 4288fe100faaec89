import { type ExecutionRequest } from '@capstan/core-constraints';
import { type ContainerCreateSpec } from './docker-client';

/**
 * Whether the engine keeps a copy of a task's output besides the live attach: `auto` for attempts a later process
 * may take over (a TES server's), `always`, or `never`.
 */
export const LOG_COPY_MODES = ['auto', 'always', 'never'] as const;
export type LogCopyMode = (typeof LOG_COPY_MODES)[number];

/** The default bound of the engine's copy of one container's output (both streams together). */
export const DEFAULT_LOG_COPY_MAX_BYTES = 16 * 1024 * 1024;
export const MIN_LOG_COPY_MAX_BYTES = 64 * 1024;

export type LogConfig = NonNullable<NonNullable<ContainerCreateSpec['HostConfig']>['LogConfig']>;

/** No copy: output is read by attaching, the engine writes nothing to its disk. */
export const NO_LOG_COPY: LogConfig = { Type: 'none', Config: {} };

/** How one engine keeps a copy of at most `maxBytes` of a container's output (its newest part). */
export type BoundedLogDriver = (maxBytes: number) => LogConfig;

/**
 * Docker's `local` driver: two files of half the bound each, the older dropped when the newer is full, so between half
 * the bound and the bound of the newest output is kept (rotated files are compressed on disk).
 */
export const dockerLocalLog: BoundedLogDriver = (maxBytes) => ({ Type: 'local', Config: { 'max-size': String(Math.ceil(maxBytes / 2)), 'max-file': '2' } });

/** Podman's `k8s-file` (conmon): one file, cut to its newest part when it passes `max-size`. Podman 4 has no `local`. */
export const podmanFileLog: BoundedLogDriver = (maxBytes) => ({ Type: 'k8s-file', Config: { 'max-size': String(maxBytes) } });

/** The log configuration of an attempt's container: a bounded copy when the mode asks for one, else none. */
export function attemptLogConfig(request: Pick<ExecutionRequest, 'reattachable'>, mode: LogCopyMode, maxBytes: number, driver: BoundedLogDriver): LogConfig {
  const keep = mode === 'always' || (mode === 'auto' && request.reattachable === true);
  return keep ? driver(maxBytes) : NO_LOG_COPY;
}
