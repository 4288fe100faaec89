import { CapstanError, ErrorCode, parseWithSchema } from '@capstan/core-constraints';
import { azureStoreOptionsSchema, type AzureCredential, type AzureStoreSettings } from './azure-options';

/** Azurite's documented development account, which `UseDevelopmentStorage=true` names. */
const DEVELOPMENT = { account: 'devstoreaccount1', endpoint: 'http://127.0.0.1:10000/devstoreaccount1' };

/**
 * The `azure` section read into settings: the account and the service's URL settled from the options or the connection
 * string. Refusals are CapstanErrors under `path` that never quote a credential (a connection string holds the key).
 */
export function azureSettings(options: unknown, path: string | null): AzureStoreSettings {
  const at = (key: string): string => (path === null ? key : `${path}.${key}`);
  const { connectionString, accountKey, sasToken, endpoint, account, ...rest } = parseWithSchema(azureStoreOptionsSchema, options, path);
  const given = [connectionString, accountKey, sasToken].filter((value) => value !== undefined).length;
  if (given !== 1) {
    throw new CapstanError(ErrorCode.InvalidConfig, `${given === 0 ? 'no credential is given' : 'more than one credential is given'}; give exactly one: connectionString, accountKey (with account) or sasToken (with account)`, {
      path: at('connectionString'),
    });
  }
  let credential: AzureCredential;
  let fromString: { account?: string; endpoint?: string } = {};
  if (connectionString !== undefined) {
    credential = { kind: 'connectionString', value: connectionString };
    fromString = readConnectionString(connectionString, at('connectionString'));
  } else if (accountKey !== undefined) credential = { kind: 'accountKey', value: accountKey };
  else credential = { kind: 'sasToken', value: (sasToken ?? '').replace(/^\?/, '') };
  const name = account ?? fromString.account;
  if (name === undefined) {
    throw new CapstanError(ErrorCode.InvalidConfig, connectionString === undefined ? 'name the storage account: account (or give a connectionString, which names it)' : 'the connection string names no AccountName; add AccountName=... to it, or give account', {
      path: at(connectionString === undefined ? 'account' : 'connectionString'),
    });
  }
  if (account !== undefined && fromString.account !== undefined && account !== fromString.account) {
    throw new CapstanError(ErrorCode.InvalidConfig, `account is "${account}" but the connection string names the account "${fromString.account}"; remove account, or make it the connection string's`, {
      path: at('account'),
      details: { value: account },
    });
  }
  const serviceUrl = (endpoint ?? fromString.endpoint ?? `https://${name}.blob.core.windows.net`).replace(/\/+$/, '');
  return { ...rest, account: name, serviceUrl, credential };
}

/** AccountName and BlobEndpoint of a connection string (`Key=value;...`), checked without echoing it. */
function readConnectionString(text: string, path: string): { account?: string; endpoint?: string } {
  const fields = new Map<string, string>();
  for (const part of text.split(';')) {
    if (part.trim() === '') continue;
    const equals = part.indexOf('=');
    if (equals <= 0) {
      throw new CapstanError(ErrorCode.InvalidConfig, 'the connection string is not a list of Key=value pairs separated by ";"; copy it again from the storage account\'s "Access keys" page, or give account and accountKey', { path });
    }
    fields.set(part.slice(0, equals).trim().toLowerCase(), part.slice(equals + 1).trim());
  }
  if (fields.get('usedevelopmentstorage') === 'true') return DEVELOPMENT;
  const endpoint = fields.get('blobendpoint');
  if (endpoint !== undefined && !/^https?:\/\/[^/?#]+(\/[^?#]*)?$/.test(endpoint)) {
    throw new CapstanError(ErrorCode.InvalidConfig, 'the connection string\'s BlobEndpoint is not an http(s) URL; write BlobEndpoint=https://<account>.blob.core.windows.net', { path });
  }
  const account = fields.get('accountname');
  return { ...(account === undefined ? {} : { account }), ...(endpoint === undefined ? {} : { endpoint }) };
}
