import { CapstanError, ErrorCode } from '@capstan/core-constraints';

// Literal keys, not built from capstan-labels' prefix: that module imports this one (no import cycle at load time).
const MAX_FOLDER_LENGTH = 256;

/**
 * Labels of resources held by a long-lived process that outlives its pid across restarts (a TES server: its data
 * folder). Only the process holding that folder's lock may remove them; a pid-based reaper must leave them alone,
 * since the holder may come back and take them over.
 */
export const HolderLabel = {
  /** A random id stored in the holder's data folder: the same across restarts of the same folder. */
  Id: 'io.capstan.holder-id',
  /** The data folder's absolute path, so that an operator can tell whose containers these are. */
  Folder: 'io.capstan.holder-folder',
} as const;

export interface Holder {
  readonly id: string;
  readonly folder: string;
}

/** Ids are what `randomAlphanumeric` makes: letters and digits, long enough not to collide. */
const HOLDER_ID = /^[A-Za-z0-9]{16,64}$/;

/** The labels naming `holder`; throws `value.invalid` for an id that is not 16-64 letters and digits or a relative folder. */
export function holderLabels(holder: Holder): Record<string, string> {
  if (!HOLDER_ID.test(holder.id)) {
    throw new CapstanError(ErrorCode.InvalidValue, `the holder id ${JSON.stringify(holder.id)} is not 16 to 64 letters and digits; delete the holder-id file in the data folder to get a new one`, { details: { field: 'id' } });
  }
  if (!holder.folder.startsWith('/') || holder.folder.length > MAX_FOLDER_LENGTH) {
    throw new CapstanError(ErrorCode.InvalidValue, `the holder folder ${JSON.stringify(holder.folder)} must be an absolute path of at most ${MAX_FOLDER_LENGTH} characters`, { details: { field: 'folder' } });
  }
  return { [HolderLabel.Id]: holder.id, [HolderLabel.Folder]: holder.folder };
}

/**
 * The holder named by a resource's labels, or undefined when it has none. A holder-id label that is present but
 * malformed still counts as held (folder unknown): a reaper must rather keep a container than remove a server's.
 */
export function parseHolderLabels(labels: Readonly<Record<string, string>>): Holder | undefined {
  if (!Object.prototype.hasOwnProperty.call(labels, HolderLabel.Id)) return undefined;
  const id = labels[HolderLabel.Id] ?? '';
  const folder = Object.prototype.hasOwnProperty.call(labels, HolderLabel.Folder) ? (labels[HolderLabel.Folder] ?? '') : '';
  return { id, folder: folder === '' ? '(unknown folder)' : folder };
}
