import { ObjectStoreFailure, singleObjectName } from '@capstan/core-constraints';
import { type AzureStoreSettings } from './azure-options';

/** A container and a blob name (the name `''` names the whole container as a folder). */
export interface BlobLocation {
  readonly container: string;
  readonly blob: string;
}

// Blob storage's rules: 3 to 63 lower-case letters, digits and single hyphens, starting and ending with a letter or digit.
const CONTAINER = /^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/;
const MAX_BLOB_CHARS = 1024;

/** Whether an http(s) URL lies under the store's service URL (`https://<account>.blob.core.windows.net/...`). */
export function underService(url: URL, serviceUrl: string): boolean {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  const service = new URL(serviceUrl);
  return url.protocol === service.protocol && url.host === service.host && url.pathname.startsWith(`${service.pathname.replace(/\/+$/, '')}/`);
}

/**
 * Reads `az://account/container/blob`, or the same blob under the service URL, into a container and a blob name,
 * refusing what Blob storage would never take or this server does not serve: user info or a query (a credential or
 * SAS token written into the URL), another account, an invalid container name, one outside the operator's list.
 */
export function parseBlobAddress(url: URL, settings: AzureStoreSettings): BlobLocation {
  const form = 'az://account/container/blob';
  if (url.username !== '' || url.password !== '') {
    throw new ObjectStoreFailure('refused', 'the URL holds credentials', `write ${form}; the server's own credentials are used`);
  }
  if (url.search !== '' || url.hash !== '') {
    throw new ObjectStoreFailure('refused', 'the URL has a query or a fragment (a SAS token is not taken from a URL)', `write ${form}, escaping "?" and "#" in the blob name as %3F and %23; the server's own credentials are used`);
  }
  let path: string;
  if (url.protocol === 'az:') {
    if (url.hostname !== settings.account) {
      throw new ObjectStoreFailure('refused', `this server is not set up for the storage account ${JSON.stringify(url.hostname.slice(0, 80))}`, `use the account it serves: az://${settings.account}/container/blob`);
    }
    path = url.pathname;
  } else if (underService(url, settings.serviceUrl)) {
    path = url.pathname.slice(new URL(settings.serviceUrl).pathname.replace(/\/+$/, '').length);
  } else {
    throw new ObjectStoreFailure('refused', 'the URL is not an address of this server\'s storage account', `write ${form}`);
  }
  const slash = path.indexOf('/', 1);
  const container = slash < 0 ? path.slice(1) : path.slice(1, slash);
  const encoded = slash < 0 ? '' : path.slice(slash + 1);
  if (!CONTAINER.test(container)) {
    throw new ObjectStoreFailure(
      'refused',
      `the container name ${JSON.stringify(container.slice(0, 80))} is not valid`,
      `write ${form}; a container name is 3 to 63 lower-case letters, digits and single hyphens, starting and ending with a letter or digit`,
    );
  }
  if (settings.containers.length > 0 && !settings.containers.includes(container)) {
    throw new ObjectStoreFailure('refused', `this server does not use the container "${container}"`, `use one of the containers it is set up for: ${settings.containers.join(', ')}`);
  }
  let blob: string;
  try {
    blob = decodeURIComponent(encoded);
  } catch {
    throw new ObjectStoreFailure('refused', 'the blob name has a malformed %-escape', 'escape "%" in the blob name as %25');
  }
  if (blob.length > MAX_BLOB_CHARS) {
    throw new ObjectStoreFailure('refused', `the blob name is ${blob.length} characters long, more than the ${MAX_BLOB_CHARS} Blob storage allows`, 'use a shorter name');
  }
  if (blob.includes('\0')) throw new ObjectStoreFailure('refused', 'the blob name holds a NUL character', 'remove it from the name');
  return { container, blob };
}

/** A blob is a single file: its name must be one, not a folder. */
export function blobName(location: BlobLocation, account: string): string {
  return singleObjectName(location.blob, `az://${account}/${location.container}/${location.blob}`);
}
