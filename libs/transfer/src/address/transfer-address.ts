import { type ObjectStore } from '@capstan/core-constraints';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { transferRefused, type TransferSubject } from '../errors/transfer-errors';

/** A host path, from `file:///...` or a plain absolute path (the TES spec lists `/path/to/my/file` as a url). */
export interface FileAddress {
  readonly kind: 'file';
  readonly path: string;
}

/** An http(s) URL with its user info moved out into a basic-auth header (fetch refuses URLs holding credentials). */
export interface HttpAddress {
  readonly kind: 'http';
  readonly url: URL;
  readonly authorization: string | null;
}

/** An object in a store that serves the URL's scheme (`s3://bucket/key`). */
export interface ObjectAddress {
  readonly kind: 'object';
  readonly url: URL;
  readonly store: ObjectStore;
}

export type TransferAddress = FileAddress | HttpAddress | ObjectAddress;

/** The schemes a transfer with these stores speaks, for messages: `file:// (under the allowed roots), http://, ...`. */
export function supportedSchemes(stores: readonly ObjectStore[]): string {
  const schemes = ['http://', 'https://', ...stores.flatMap((store) => store.schemes.map((scheme) => `${scheme}://`))];
  return `file:// (under the allowed roots), ${schemes.slice(0, -1).join(', ')} and ${schemes.at(-1)}`;
}

/** Reads a url into an address, or refuses it (a scheme Capstan does not speak, a file URL naming another host). */
export function parseAddress(value: string, subject: TransferSubject, stores: readonly ObjectStore[] = []): TransferAddress {
  // Only messages name the supported schemes: nearly every url passes, so the list is written only for a refusal.
  if (value.trim() === '') {
    throw transferRefused(subject, 'the url is empty', `give a ${supportedSchemes(stores)} URL`);
  }
  if (value.startsWith('/')) return { kind: 'file', path: resolve(value) };
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw transferRefused(subject, `${subject.shownUrl} is neither an absolute path nor a URL`, `give a ${supportedSchemes(stores)} URL`);
  }
  switch (url.protocol) {
    case 'file:':
      return { kind: 'file', path: filePath(url, subject) };
    case 'http:':
    case 'https:': {
      const owner = stores.find((candidate) => candidate.ownsUrl?.(url) === true);
      return owner === undefined ? httpAddress(url) : { kind: 'object', url, store: owner };
    }
    default: {
      const scheme = url.protocol.slice(0, -1).toLowerCase();
      const store = stores.find((candidate) => candidate.schemes.includes(scheme));
      if (store !== undefined) return { kind: 'object', url, store };
      throw transferRefused(
        subject,
        `the scheme "${scheme}" of ${subject.shownUrl} is not supported; Capstan transfers ${supportedSchemes(stores)}`,
        `copy the data to a place served over one of those, or stage it on the host under an allowed root`,
        { scheme },
      );
    }
  }
}

function filePath(url: URL, subject: TransferSubject): string {
  try {
    return resolve(fileURLToPath(url));
  } catch {
    const problem =
      url.hostname !== '' && url.hostname !== 'localhost'
        ? `${subject.shownUrl} names the host "${url.hostname}", but a file:// URL can only name this machine`
        : `${subject.shownUrl} is not a usable file:// URL (an escaped "/" or a bad character in the path)`;
    throw transferRefused(subject, problem, 'write it as file:///absolute/path (three slashes), or serve the file over http(s)');
  }
}

function httpAddress(url: URL): HttpAddress {
  const authorization =
    url.username === '' && url.password === ''
      ? null
      : `Basic ${Buffer.from(`${decodeUserInfo(url.username)}:${decodeUserInfo(url.password)}`, 'utf8').toString('base64')}`;
  // The URL is this parse's own: copied only when there is something to take out of it.
  if (authorization === null && url.hash === '') return { kind: 'http', url, authorization };
  const bare = new URL(url.href);
  bare.username = '';
  bare.password = '';
  bare.hash = '';
  return { kind: 'http', url: bare, authorization };
}

function decodeUserInfo(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * The address of one file of a directory transfer: the base URL (or path) with `/` and the relative path appended,
 * each segment escaped, before any query string (which a pre-signed URL needs kept at the end).
 */
export function childUrl(base: string, relativePath: string): string {
  if (relativePath === '') return base;
  if (base.startsWith('/')) return `${base.replace(/\/+$/, '')}/${relativePath}`;
  const url = new URL(base);
  const segments = relativePath.split('/').map((segment) => encodeURIComponent(segment));
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/${segments.join('/')}`;
  return url.href;
}
