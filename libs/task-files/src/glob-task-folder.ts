import { type Dirent, readdir, readdirSync } from 'node:fs';

type ReaddirCallback = (error: NodeJS.ErrnoException | null, entries: Dirent[]) => void;

/**
 * A directory entry that is not a folder, shown to the glob as a file. tinyglobby (fdir) lists regular files only
 * when links are not followed: a link, FIFO, socket or device a pattern names would vanish without a trace, so a task
 * could hide one from the warnings. Only the listing changes: the name is matched, nothing is followed or opened.
 */
function asListed(entry: Dirent): Dirent {
  const folder = entry.isDirectory();
  return Object.assign(Object.create(entry) as Dirent, {
    isFile: () => !folder,
    isDirectory: () => folder,
    isSymbolicLink: () => false,
  });
}

const listingAdapter = {
  readdir: (path: string, options: { withFileTypes: true }, callback: ReaddirCallback): void =>
    readdir(path, options, (error, entries) => callback(error, (entries ?? []).map(asListed))),
  readdirSync: (path: string, options: { withFileTypes: true }): Dirent[] => readdirSync(path, options).map(asListed),
};

/**
 * Every entry below `root` that `pattern` matches and that is not a folder (regular files, links, FIFOs, sockets,
 * devices), relative and sorted; folders and links to folders are never entered. The caller checks each one
 * (`checkTaskFile`) before it lists, reads or uploads it, and names the refused ones.
 */
export async function globTaskFolder(root: string, pattern: string): Promise<string[]> {
  // Imported at first use: tinyglobby and picomatch (a dozen files) cost every `run` that declares no glob output.
  const { glob } = await import('tinyglobby');
  const matches = await glob(pattern, {
    cwd: root,
    onlyFiles: true,
    dot: true,
    followSymbolicLinks: false,
    expandDirectories: false,
    fs: listingAdapter as never,
  });
  return matches.sort();
}
