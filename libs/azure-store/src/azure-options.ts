import { capstanParser, parseSize } from '@capstan/core-constraints';
import { z } from 'zod';

const MIB = 1024 * 1024;
const ACCOUNT = /^[a-z0-9]{3,24}$/;

// A block is at most 4000 MiB (Blob storage's limit); at least 1 MiB keeps a 190.7 TiB blob within 50,000 blocks.
const blockSize = capstanParser((value) => parseSize(value)).refine((bytes) => bytes >= MIB && bytes <= 4000 * MIB, {
  message: 'a block is 1 MiB to 4000 MiB (Blob storage\'s block limits)',
});

/**
 * Options of the `az://` store (the transfer's `azure` section). Which credential is given (exactly one) is checked
 * after parsing, by azureSettings: a refinement here would echo the whole section, credentials and all, in its error.
 */
export const azureStoreOptionsSchema = z
  .strictObject({
    /** The storage account; read from connectionString when that is given. */
    account: z.string().regex(ACCOUNT, 'an account name is 3 to 24 lower-case letters and digits').optional(),
    /**
     * The Blob service's address: default `https://<account>.blob.core.windows.net`; Azurite's path-style one is
     * `http://127.0.0.1:10000/devstoreaccount1`. Read from connectionString's BlobEndpoint when that is given.
     */
    endpoint: z.url({ protocol: /^https?$/ }).optional(),
    /** A storage connection string (best as CAPSTAN_API__TRANSFER__AZURE__CONNECTION_STRING). */
    connectionString: z.string().min(1).optional(),
    /** The account's shared key (base64; best as CAPSTAN_API__TRANSFER__AZURE__ACCOUNT_KEY). Not checked here: a
     * refused value would be echoed in the error. */
    accountKey: z.string().min(1).optional(),
    /** A SAS token for the account (`sv=...&sig=...`, with or without the leading `?`). */
    sasToken: z.string().min(1).optional(),
    /** The only containers a client may name; empty: every container the credentials reach. */
    containers: z.array(z.string().min(1)).default([]),
    /** How many times a failed request is tried again (the SDK's exponential retry). */
    retries: z.int().min(0).max(20).default(3),
    /** A request that waits this long for the store is given up (and retried). */
    timeoutMs: z.int().min(1).default(60_000),
    /** The size of each block of an upload (and what is held in memory per block in flight). */
    blockSizeBytes: blockSize.default(8 * MIB),
    /** Blocks sent at once; memory held by one upload is at most about `blockSizeBytes * concurrency`. */
    concurrency: z.int().min(1).max(16).default(4),
    /** The most blobs one DIRECTORY input may list (a client naming a huge prefix is refused, not followed). */
    maxListedObjects: z.int().min(1).max(10_000_000).default(100_000),
  });

export type AzureStoreOptions = z.input<typeof azureStoreOptionsSchema>;
export type AzureStoreOptionsParsed = Readonly<z.output<typeof azureStoreOptionsSchema>>;

/** How the client signs in: the whole connection string, a shared key, or a SAS token appended to each request. */
export type AzureCredential =
  | { readonly kind: 'connectionString'; readonly value: string }
  | { readonly kind: 'accountKey'; readonly value: string }
  | { readonly kind: 'sasToken'; readonly value: string };

/** The options with the account and the service's address settled (from the connection string when given). */
export interface AzureStoreSettings extends Omit<AzureStoreOptionsParsed, 'connectionString' | 'accountKey' | 'sasToken' | 'endpoint' | 'account'> {
  readonly account: string;
  /** The Blob service's URL without a trailing slash: blobs are `<serviceUrl>/<container>/<blob>`. */
  readonly serviceUrl: string;
  readonly credential: AzureCredential;
}
