import { join } from 'node:path';

/**
 * Capstan's own field names, as the engine and runners write them in messages, and the TES field a client sent that
 * sets each. A TES client never wrote `requirements.memory`, so a message naming it tells the client nothing; TES has
 * no counterpart of `hints.max_memory` (the engine's retry ceiling), so "raise X or hints.max_memory" becomes "raise
 * resources.ram_gb" alone.
 */
const FIELDS: ReadonlyArray<readonly [RegExp, string]> = [
  [/requirements\.memory(?: or hints\.max_memory)?/g, 'resources.ram_gb'],
  [/hints\.max_memory/g, 'resources.ram_gb'],
  [/requirements\.cpus?\b/g, 'resources.cpu_cores'],
  [/requirements\.disk\b/g, 'resources.disk_gb'],
  [/requirements\.container\b/g, 'the executor\'s image'],
  // The limit behaviors are the operator's configuration, which a client can only ask for.
  [/set the (cpu|memory|gpu) limit behavior to try_with_max/g, 'ask the server\'s operator to set engine.limits.$1: try_with_max'],
  [/\((cpu|memory|gpu) limit behavior try_with_max\)/g, '(the server\'s engine.limits.$1 is try_with_max)'],
];

/** What stands for the server's data folder in a message for a client: its place on the host is the operator's business. */
export const DATA_FOLDER_PLACEHOLDER = '<server data folder>';

/** The host folder holding a task's container paths (container path P is at `<folder>P`). */
export function taskFilesFolder(dataDir: string, id: string): string {
  return join(dataDir, 'tasks', id, 'files');
}

/**
 * A message for a TES client in the client's terms: Capstan's field names become the TES fields that set them, a host
 * path of the task's files becomes the container path (the TES `path` the client gave), and any other path in the
 * server's data folder becomes a placeholder. Every text a client can read from a task's logs passes through here.
 */
export function inTesTerms(message: string, dataDir: string, id?: string): string {
  let text = inTesFields(message);
  if (id !== undefined) text = replaceFolder(text, taskFilesFolder(dataDir, id), '');
  return replaceFolder(text, dataDir, DATA_FOLDER_PLACEHOLDER);
}

/** The message with Capstan's field names replaced by the TES fields that set them. */
export function inTesFields(message: string): string {
  let text = message;
  for (const [pattern, field] of FIELDS) text = text.replace(pattern, field);
  return text;
}

/** `folder/x` becomes `<by>/x` and `folder` alone `<by>` (or `/` when `by` is empty: the container's root). */
function replaceFolder(text: string, folder: string, by: string): string {
  const bare = folder.replace(/\/+$/, '');
  if (bare === '') return text;
  return text.split(`${bare}/`).join(`${by}/`).split(bare).join(by === '' ? '/' : by);
}
