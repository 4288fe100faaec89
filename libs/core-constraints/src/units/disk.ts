import { posix } from 'node:path';
import { CapstanError, ErrorCode } from '../errors/capstan-error';
import { ACCEPTED_SIZE_UNITS, describeValue, GIB, parseSize } from './size';

/** The key of the disk at the root of the task's execution folder (a spec without a mount point). */
export const TASK_ROOT_MOUNT = '/';

export type DiskClass = 'SSD' | 'HDD' | 'LOCAL';

export interface DiskSpec {
  /** Absolute mount point; `/` is the root of the task's execution folder. */
  readonly mountPoint: string;
  readonly bytes: number;
  /** Cromwell's class word (`"local-disk 10 SSD"`), when given. */
  readonly diskClass?: DiskClass;
}

/** WDL's default when `disks` is not given: 1 GiB at the task root. */
export const DEFAULT_DISKS: readonly DiskSpec[] = [{ mountPoint: TASK_ROOT_MOUNT, bytes: GIB }];

const DISK_CLASSES: ReadonlySet<string> = new Set(['SSD', 'HDD', 'LOCAL']);
const CROMWELL_ROOT = 'local-disk';

const FORMS =
  'a whole number of GiB, or a string "<size>", "<size> <unit>", "<mount-point> <size>", ' +
  '"<mount-point> <size> <unit>" or Cromwell\'s "local-disk <size> SSD|HDD", or a list of those';

/**
 * Reads the `disks` requirement in every form WDL 1.2 allows, plus Cromwell's `"local-disk 10 SSD"`. A size without
 * a unit is GiB. Mount points are absolute; the same mount point twice is an error. Throws only CapstanError.
 */
export function parseDisks(value: unknown, path: string | null = null): DiskSpec[] {
  const specs: DiskSpec[] = [];
  if (Array.isArray(value)) {
    if (value.length === 0) throw diskError(value, 'is an empty list', path);
    // Array.from turns holes of a sparse list into undefined items, which are then rejected (forEach skips them).
    Array.from(value as unknown[]).forEach((item, index) => {
      const itemPath = path === null ? `${index}` : `${path}.${index}`;
      if (typeof item !== 'string' && typeof item !== 'number') {
        throw diskError(item, 'is not a disk specification', itemPath);
      }
      specs.push(parseDiskSpec(item, itemPath));
    });
  } else if (typeof value === 'string' || typeof value === 'number') {
    specs.push(parseDiskSpec(value, path));
  } else {
    throw diskError(value, 'is not a disk specification', path);
  }
  const seen = new Set<string>();
  specs.forEach((spec, index) => {
    if (seen.has(spec.mountPoint)) {
      const itemPath = Array.isArray(value) ? (path === null ? `${index}` : `${path}.${index}`) : path;
      throw new CapstanError(
        ErrorCode.InvalidDisk,
        `mount point "${spec.mountPoint}" is given more than once; give each mount point one size`,
        { path: itemPath, details: { value: spec.mountPoint } },
      );
    }
    seen.add(spec.mountPoint);
  });
  return specs;
}

function parseDiskSpec(value: string | number, path: string | null): DiskSpec {
  if (typeof value === 'number') {
    try {
      return { mountPoint: TASK_ROOT_MOUNT, bytes: parseSize(value, { path, defaultUnit: 'GiB' }) };
    } catch (error) {
      if (!(error instanceof CapstanError)) throw error;
      const problem = 'is not a whole, non-negative number of GiB of at most 8 PiB (for a fraction, write a string such as "1.5 GiB")';
      throw diskError(value, problem, path);
    }
  }
  const words = value.trim().split(/\s+/).filter((word) => word !== '');
  if (words.length === 0) throw diskError(value, 'is empty', path);
  if (words.length > 3) throw diskError(value, 'has too many parts', path);

  let mountPoint = TASK_ROOT_MOUNT;
  let rest = words;
  const first = words[0] ?? '';
  if (first === CROMWELL_ROOT) {
    rest = words.slice(1);
  } else if (first.startsWith('/')) {
    mountPoint = normaliseMountPoint(first);
    rest = words.slice(1);
  } else if (!/^[-+0-9.]/.test(first)) {
    // A word starting with a sign or digit is a (possibly invalid) size, not a relative mount point.
    throw diskError(value, `has the mount point "${first}", which is not an absolute path`, path);
  }
  if (rest.length === 0) throw diskError(value, 'has no size', path);

  let diskClass: DiskClass | undefined;
  const last = rest[rest.length - 1] ?? '';
  if (rest.length > 1 && DISK_CLASSES.has(last.toUpperCase())) {
    diskClass = last.toUpperCase() as DiskClass;
    rest = rest.slice(0, -1);
  }
  if (rest.length > 2) throw diskError(value, 'has too many parts', path);
  const sizeText = rest.join(' ');
  let bytes: number;
  try {
    bytes = parseSize(sizeText, { path, defaultUnit: 'GiB' });
  } catch (error) {
    if (error instanceof CapstanError) throw diskError(value, `has a size that cannot be read (${sizeText})`, path);
    throw error;
  }
  return diskClass === undefined ? { mountPoint, bytes } : { mountPoint, bytes, diskClass };
}

function normaliseMountPoint(mountPoint: string): string {
  const normalised = posix.normalize(mountPoint);
  return normalised.length > 1 ? normalised.replace(/\/$/, '') : normalised;
}

function diskError(value: unknown, problem: string, path: string | null): CapstanError {
  return new CapstanError(
    ErrorCode.InvalidDisk,
    `disk specification ${describeValue(value)} ${problem}; write ${FORMS} (size units: ${ACCEPTED_SIZE_UNITS}; ` +
      'a size without a unit is GiB)',
    { path, details: { value } },
  );
}
