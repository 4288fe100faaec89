import { capstanParser, GIB, parseSize } from '@capstan/core-constraints';
import { z } from 'zod';

const MIB = 1024 * 1024;

const partSize = capstanParser((value) => parseSize(value)).refine((bytes) => bytes >= 5 * MIB && bytes <= 5 * GIB, {
  message: 'a part is 5 MiB to 5 GiB (S3\'s multipart limits)',
});

const fields = {
  /** The region signed for; default the standard chain's (`AWS_REGION`, the profile), else us-east-1. */
  region: z.string().min(1).optional(),
  /** An S3-compatible store's address (`http://127.0.0.1:4568`); default AWS's own for the region. */
  endpoint: z.url({ protocol: /^https?$/ }).optional(),
  /** `http(s)://endpoint/bucket/key` instead of `bucket.endpoint/key`: most S3-compatible stores need it. */
  forcePathStyle: z.boolean().default(false),
  /** A key pair given here (best as CAPSTAN_API__TRANSFER__S3__SECRET_ACCESS_KEY); without it, the standard chain. */
  accessKeyId: z.string().min(1).optional(),
  secretAccessKey: z.string().min(1).optional(),
  /** A named profile of ~/.aws/config for the standard chain. */
  profile: z.string().min(1).optional(),
  /** The only buckets a client may name; empty: every bucket the credentials reach (each client then shares them). */
  buckets: z.array(z.string().min(1)).default([]),
  /** How many times a failed request is tried again (the SDK's standard retry, with backoff). */
  retries: z.int().min(0).max(20).default(3),
  /** A request that waits this long for the store is given up (and retried). */
  timeoutMs: z.int().min(1).default(60_000),
  /** The size of each part of a multipart upload (and what is held in memory per part in flight). */
  partSizeBytes: partSize.default(8 * MIB),
  /** The most objects one DIRECTORY input may list (a client naming a huge prefix is refused, not followed). */
  maxListedObjects: z.int().min(1).max(10_000_000).default(100_000),
  /** Parts sent at once; memory held by one upload is at most about `partSizeBytes * queueSize`. */
  queueSize: z.int().min(1).max(16).default(4),
};

const bothOrNeither = (options: { accessKeyId?: string | undefined; secretAccessKey?: string | undefined }): boolean =>
  (options.accessKeyId === undefined) === (options.secretAccessKey === undefined);
const pairMessage = { message: 'give accessKeyId and secretAccessKey together, or neither (the standard credential chain)', path: ['secretAccessKey'] };

/** Options of the `s3://` store (the transfer's `s3` section). */
export const s3StoreOptionsSchema = z.strictObject(fields).refine(bothOrNeither, pairMessage);

/**
 * Options of the `gs://` store, reached through Google Cloud Storage's S3-compatible XML API with HMAC keys. The keys
 * are required: the standard chain would hand AWS credentials to another provider.
 */
export const gsStoreOptionsSchema = z
  .strictObject({ ...fields, endpoint: fields.endpoint.default('https://storage.googleapis.com'), region: z.string().min(1).default('auto') })
  .refine((options) => options.accessKeyId !== undefined && options.secretAccessKey !== undefined, {
    message: 'gs:// needs an HMAC key pair of a Google service account: accessKeyId and secretAccessKey',
    path: ['accessKeyId'],
  });

export type S3StoreOptions = z.input<typeof s3StoreOptionsSchema>;
export type S3StoreSettings = Readonly<z.output<typeof s3StoreOptionsSchema>>;
