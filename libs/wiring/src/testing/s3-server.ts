import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { localS3Server, type LocalS3Server } from '@capstan/backend-test-kit';

export type S3Server = LocalS3Server;

/** The S3-compatible store tools/engines/s3.sh started, shared by every test. */
export const sharedS3Server = (): S3Server => localS3Server();

/** The transfer's `s3` section for a server. */
export function s3Options(server: S3Server, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { endpoint: server.endpoint, forcePathStyle: true, region: 'us-east-1', accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey, retries: 1, ...extra };
}

/** A client of the test's own, to put and check objects beside the transfer under test. */
export function testClient(server: S3Server): S3Client {
  return new S3Client({
    endpoint: server.endpoint,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
  });
}

export { ownS3Server } from '@capstan/backend-test-kit';

/** Whether the bucket holds an object under the key (HeadObject; NotFound is no, any other failure throws). */
export function objectExists(client: S3Client, bucket: string, key: string): Promise<boolean> {
  return client.send(new HeadObjectCommand({ Bucket: bucket, Key: key })).then(
    () => true,
    (error: unknown) => ((error as { name?: string }).name === 'NotFound' ? false : Promise.reject(error)),
  );
}
