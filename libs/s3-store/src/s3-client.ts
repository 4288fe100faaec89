import type * as ClientS3 from '@aws-sdk/client-s3';
import type * as LibStorage from '@aws-sdk/lib-storage';
import { type S3StoreSettings } from './s3-options';

type S3Client = ClientS3.S3Client;
export type S3Sdk = typeof ClientS3;
export type S3Upload = typeof LibStorage;

export interface LoadedClient {
  readonly sdk: S3Sdk;
  readonly storage: S3Upload;
  readonly client: S3Client;
}

/**
 * Imports the AWS SDK and builds the client at the first transfer: the SDK is large, and a process that never meets an
 * s3:// address (every `capstan run` of a task without one) never loads it.
 */
export async function loadClient(settings: S3StoreSettings): Promise<LoadedClient> {
  const [sdk, storage] = await Promise.all([import('@aws-sdk/client-s3'), import('@aws-sdk/lib-storage')]);
  const credentials =
    settings.accessKeyId !== undefined && settings.secretAccessKey !== undefined
      ? { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey }
      : undefined;
  const build = (region: string | undefined): S3Client =>
    new sdk.S3Client({
      ...(region === undefined ? {} : { region }),
      ...(settings.endpoint === undefined ? {} : { endpoint: settings.endpoint }),
      ...(credentials === undefined ? {} : { credentials }),
      ...(settings.profile === undefined ? {} : { profile: settings.profile }),
      forcePathStyle: settings.forcePathStyle,
      maxAttempts: settings.retries + 1,
      requestHandler: { requestTimeout: settings.timeoutMs, connectionTimeout: settings.timeoutMs },
      // Checksums only where an operation requires them: S3-compatible stores do not all know the newer headers.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  const client = build(settings.region);
  if (settings.region !== undefined || (await hasRegion(client))) return { sdk, storage, client };
  // Neither the options nor the chain (AWS_REGION, the profile) name a region: us-east-1, as AWS's own tools assume.
  client.destroy();
  return { sdk, storage, client: build('us-east-1') };
}

async function hasRegion(client: S3Client): Promise<boolean> {
  try {
    await client.config.region();
    return true;
  } catch {
    return false;
  }
}
