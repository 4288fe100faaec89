import { hostname } from 'node:os';
import { CapstanError, ErrorCode } from '@capstan/core-constraints';
import { CapstanLabel, MANAGED_VALUE } from '@capstan/support';
import { type Holder, parseHolderLabels } from './holder-labels';

export { CapstanLabel, LABEL_PREFIX, MANAGED_VALUE } from '@capstan/support';

/**
 * Label values longer than this many UTF-16 code units are cut (never in the middle of a surrogate pair). Docker
 * accepts label values of any length, but a task name of a megabyte would bloat every container inspect and event.
 */
export const MAX_LABEL_VALUE_LENGTH = 256;

/** What the labels record about the resource's owner: the input of {@link capstanLabels}. */
export interface CapstanLabelInput {
  readonly runId: string;
  /** The task name as the user wrote it. */
  readonly taskName: string;
  /** The unique name from `NameGenerator.next` / `attempt`. */
  readonly uniqueName: string;
  /** The attempt number (a non-negative integer). */
  readonly attempt: number;
  /** Default: the environment's host name. */
  readonly ownerHost?: string;
  /** Default: the environment's pid. */
  readonly ownerPid?: number;
  /** Default: the environment's clock. */
  readonly created?: Date;
}

/** The owner information read back from a resource's labels by {@link parseCapstanLabels}. */
export interface CapstanOwner {
  readonly runId: string;
  readonly taskName: string;
  readonly uniqueName: string;
  readonly attempt: number;
  readonly ownerHost: string;
  readonly ownerPid: number;
  readonly created: Date;
  /** Set when a long-lived holder (a TES server's data folder) owns the resource beyond its pid. */
  readonly holder?: Holder;
}

/** Where the defaults of {@link capstanLabels} come from; tests hand in a fake. */
export interface LabelEnvironment {
  hostname(): string;
  readonly pid: number;
  now(): Date;
}

/** The real environment: `os.hostname()`, `process.pid`, `new Date()`. */
export const systemLabelEnvironment: LabelEnvironment = {
  hostname: () => hostname(),
  get pid() {
    return process.pid;
  },
  now: () => new Date(),
};

/**
 * The labels for one resource Capstan creates. Every value is a string; values are kept as given (label values may
 * hold any characters) except that lone UTF-16 surrogates become U+FFFD (they would not survive the JSON round trip
 * through the Docker API) and values are cut to {@link MAX_LABEL_VALUE_LENGTH}.
 *
 * @throws CapstanError `value.invalid` for an empty run id or unique name, an attempt that is not a non-negative
 *   integer, a pid that is not a positive integer, or an invalid date.
 */
export function capstanLabels(
  input: CapstanLabelInput,
  env: LabelEnvironment = systemLabelEnvironment,
): Record<CapstanLabel, string> {
  const ownerPid = input.ownerPid ?? env.pid;
  const created = input.created ?? env.now();
  requireNonEmpty(input.runId, 'runId');
  requireNonEmpty(input.uniqueName, 'uniqueName');
  if (!Number.isSafeInteger(input.attempt) || input.attempt < 0) {
    throw invalid('attempt', `attempt must be a non-negative integer, got ${String(input.attempt)}`);
  }
  if (!Number.isSafeInteger(ownerPid) || ownerPid <= 0) {
    throw invalid('ownerPid', `ownerPid must be a positive integer, got ${String(ownerPid)}`);
  }
  if (Number.isNaN(created.getTime())) {
    throw invalid('created', 'created is an invalid Date');
  }
  return {
    [CapstanLabel.Managed]: MANAGED_VALUE,
    [CapstanLabel.RunId]: labelValue(input.runId),
    [CapstanLabel.Task]: labelValue(input.taskName),
    [CapstanLabel.UniqueName]: labelValue(input.uniqueName),
    [CapstanLabel.Attempt]: String(input.attempt),
    [CapstanLabel.OwnerHost]: labelValue(input.ownerHost ?? env.hostname()),
    [CapstanLabel.OwnerPid]: String(ownerPid),
    [CapstanLabel.Created]: created.toISOString(),
  };
}

/** Decimal without sign or leading zeros (pid, attempt). */
const DECIMAL = /^(0|[1-9][0-9]*)$/;
/** ISO 8601 date-time with seconds and an explicit zone; `toISOString()` gives the `Z` form. */
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * The owner information in a resource's labels, or `undefined` when the resource is not Capstan's: the managed label
 * is not `"true"`, or any owner label is missing or malformed (an empty run id, unique name or host, an attempt or
 * pid that is not a decimal integer, a pid of 0, a date that is not ISO 8601). Strict on purpose: cleanup must not
 * remove what it cannot attribute. Labels outside the `io.capstan.` namespace (the image's own) are ignored.
 */
export function parseCapstanLabels(labels: Readonly<Record<string, string>>): CapstanOwner | undefined {
  const get = (key: CapstanLabel): string | undefined =>
    Object.prototype.hasOwnProperty.call(labels, key) && typeof labels[key] === 'string' ? labels[key] : undefined;

  if (get(CapstanLabel.Managed) !== MANAGED_VALUE) return undefined;
  const runId = get(CapstanLabel.RunId);
  const taskName = get(CapstanLabel.Task);
  const uniqueName = get(CapstanLabel.UniqueName);
  const attempt = get(CapstanLabel.Attempt);
  const ownerHost = get(CapstanLabel.OwnerHost);
  const ownerPid = get(CapstanLabel.OwnerPid);
  const created = get(CapstanLabel.Created);
  if (
    runId === undefined ||
    runId === '' ||
    taskName === undefined ||
    uniqueName === undefined ||
    uniqueName === '' ||
    attempt === undefined ||
    !DECIMAL.test(attempt) ||
    ownerHost === undefined ||
    ownerHost === '' ||
    ownerPid === undefined ||
    !DECIMAL.test(ownerPid) ||
    created === undefined ||
    !ISO_DATE_TIME.test(created)
  ) {
    return undefined;
  }
  const attemptNumber = Number(attempt);
  const pid = Number(ownerPid);
  const createdDate = new Date(created);
  if (!Number.isSafeInteger(attemptNumber) || !Number.isSafeInteger(pid) || pid === 0) return undefined;
  if (Number.isNaN(createdDate.getTime())) return undefined;
  const holder = parseHolderLabels(labels);
  return { runId, taskName, uniqueName, attempt: attemptNumber, ownerHost, ownerPid: pid, created: createdDate, ...(holder === undefined ? {} : { holder }) };
}

/** Docker API list filters (the `filters` query parameter, JSON-encoded) selecting what Capstan created. */
export interface DockerLabelFilter {
  label: string[];
}

/**
 * The Docker API filter for resources Capstan created: `{ label: ['io.capstan.managed=true'] }`; with `runId`, only
 * those of that run (`io.capstan.run-id=<runId>` added: Docker ANDs label filters).
 */
export function labelFilter(options: { readonly runId?: string } = {}): DockerLabelFilter {
  const label = [`${CapstanLabel.Managed}=${MANAGED_VALUE}`];
  if (options.runId !== undefined) {
    requireNonEmpty(options.runId, 'runId');
    label.push(`${CapstanLabel.RunId}=${labelValue(options.runId)}`);
  }
  return { label };
}

function labelValue(value: string): string {
  const wellFormed = value.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
  if (wellFormed.length <= MAX_LABEL_VALUE_LENGTH) return wellFormed;
  const cut = wellFormed.slice(0, MAX_LABEL_VALUE_LENGTH);
  // Do not leave the high half of a surrogate pair at the end.
  return /[\uD800-\uDBFF]$/.test(cut) ? cut.slice(0, -1) : cut;
}

function requireNonEmpty(value: string, field: string): void {
  if (typeof value !== 'string' || value === '') {
    throw invalid(field, `${field} must be a non-empty string`);
  }
}

function invalid(field: string, message: string): CapstanError {
  return new CapstanError(ErrorCode.InvalidValue, message, { details: { field } });
}
