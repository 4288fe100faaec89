import { engineApiOptionsShape, oneEngineAddress, parseEngineOptions } from '@capstan/docker-api/internal-options';
import { z } from 'zod';

/** `refuse`: a short image name is not used (the error names the fully qualified forms); `docker.io`: qualified as Docker does. */
export const SHORT_NAME_POLICIES = ['refuse', 'docker.io'] as const;
export type ShortNamePolicy = (typeof SHORT_NAME_POLICIES)[number];

/** `auto`: keep-id under a rootless service, the service's default under a rootful one. */
export const USERNS_MODES = ['auto', 'keep-id', 'host'] as const;
export type UsernsMode = (typeof USERNS_MODES)[number];

/**
 * The `podman` section of Capstan's configuration. Every field has a default, so `{}` is valid. The fields shared with
 * the docker backend mean the same there; the Podman-only ones are `userns` and `shortNames`.
 */
export const podmanBackendOptionsSchema = z
  .strictObject({
    // The fields every Docker-API backend shares (libs/docker-api/src/engine-options.ts). Here `user: auto` means:
    // under a rootless service the user namespace decides (`userns`: keep-id runs the task as the service's own
    // user); under a rootful one, as with Docker. `pidsLimit` is always sent, since leaving it out gives Podman's 2048.
    ...engineApiOptionsShape({ addressKind: 'service', socketFile: 'podman.sock', socketExample: '/run/podman/podman.sock' }),
    /**
     * The user namespace. `auto`: `keep-id` under a rootless service (the task runs as the user who owns the service, so
     * what it writes is theirs with no repair step), the service's default under a rootful one. `keep-id` needs a
     * rootless service; `host` leaves a rootless service's default (container root is the user, other ids are
     * subordinate ids).
     */
    userns: z.enum(USERNS_MODES).default('auto'),
    /**
     * What a short image name (`busybox:1`, `org/tool:2`) means. `refuse`: the candidate is not used, and the error
     * names its fully qualified forms (`docker.io/library/busybox:1`, `localhost/busybox:1`) and which of them this
     * service has. `docker.io`: qualified as Docker would (`docker.io/library/busybox:1`), with a warning. Unset: `refuse`,
     * except when `backend: auto` chose Podman because Docker did not answer; then `docker.io`, so that task files
     * written for Docker mean what they meant there (see `PodmanBackend.standInForDocker`).
     */
    shortNames: z.enum(SHORT_NAME_POLICIES).optional(),
  })
  .superRefine(oneEngineAddress);

/** What a user may write (every field optional). */
export type PodmanBackendOptionsInput = z.input<typeof podmanBackendOptionsSchema>;
/** The options with every default filled in. */
export type PodmanBackendOptions = z.output<typeof podmanBackendOptionsSchema>;

/** Validates the `podman` section; the error (`config.invalid`) names the field under `path`, e.g. `podman.userns`. */
export function parsePodmanBackendOptions(value: unknown, path = 'podman'): PodmanBackendOptions {
  return parseEngineOptions(podmanBackendOptionsSchema, value, path);
}
