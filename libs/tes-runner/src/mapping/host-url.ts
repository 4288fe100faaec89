import { posix } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type PathMapping } from '../tes-backend-options';

/**
 * The URL a TES server is given for a host path. By default its own file:// URL, which a server sharing this
 * machine's filesystem (Capstan's api on the same host, Funnel with local storage) reads and writes directly. A
 * `pathMappings` entry whose folder holds the path replaces that folder by its URL (the longest match wins), for a
 * server that sees the same files under another name.
 */
export function hostPathToUrl(hostPath: string, mappings: readonly PathMapping[] = []): string {
  const path = posix.normalize(hostPath);
  let best: { folder: string; url: string } | undefined;
  for (const mapping of mappings) {
    const folder = stripTrailingSlash(posix.normalize(mapping.path));
    const inside = path === folder || path.startsWith(folder === '/' ? '/' : `${folder}/`);
    if (inside && (best === undefined || folder.length > best.folder.length)) best = { folder, url: mapping.url };
  }
  if (best === undefined) return pathToFileURL(path).href;
  const rest = path.slice(best.folder.length).split('/').filter((part) => part !== '');
  const base = best.url.replace(/\/+$/, '');
  return rest.length === 0 ? base : `${base}/${rest.map(encodeURIComponent).join('/')}`;
}

function stripTrailingSlash(path: string): string {
  return path.length > 1 ? path.replace(/\/+$/, '') : path;
}
