import { S3Client } from '@aws-sdk/client-s3';
import { type LocalS3Server } from '@capstan/backend-test-kit';

/** A client of the test's own, to put objects beside the CLI under test. */
export function testClient(server: LocalS3Server): S3Client {
  return new S3Client({
    endpoint: server.endpoint,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
  });
}
