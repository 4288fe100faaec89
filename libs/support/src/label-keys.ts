/**
 * Label keys live here, not in `naming`, because backends and backend kits may not import a service, yet read and
 * write these keys (reattaching, listing a run's resources, Slurm's job comments).
 */

/** The reverse-DNS namespace of every label Capstan puts on the resources it creates. */
export const LABEL_PREFIX = 'io.capstan';

/**
 * The keys of the labels every resource Capstan creates (containers, networks, volumes, job records) carries, so that
 * cleanup can find them later, even after the process that created them is gone.
 */
export const CapstanLabel = {
  /** Always `"true"` ({@link MANAGED_VALUE}): the mark cleanup filters on. */
  Managed: `${LABEL_PREFIX}.managed`,
  /** The id of the run that created the resource. */
  RunId: `${LABEL_PREFIX}.run-id`,
  /** The task's name exactly as the user wrote it (any characters; cut to naming's MAX_LABEL_VALUE_LENGTH). */
  Task: `${LABEL_PREFIX}.task`,
  /** The unique, sanitised name from `NameGenerator` (also the container name). */
  UniqueName: `${LABEL_PREFIX}.unique-name`,
  /** The attempt number, in decimal. */
  Attempt: `${LABEL_PREFIX}.attempt`,
  /** `os.hostname()` of the Capstan process that created the resource. */
  OwnerHost: `${LABEL_PREFIX}.owner-host`,
  /** The pid of that process, in decimal: cleanup checks whether it still lives. */
  OwnerPid: `${LABEL_PREFIX}.owner-pid`,
  /** When the resource was created: ISO 8601 in UTC, e.g. `2025-01-31T12:00:00.000Z`. */
  Created: `${LABEL_PREFIX}.created`,
} as const;

export type CapstanLabel = (typeof CapstanLabel)[keyof typeof CapstanLabel];

/** The value of {@link CapstanLabel.Managed}. */
export const MANAGED_VALUE = 'true';
