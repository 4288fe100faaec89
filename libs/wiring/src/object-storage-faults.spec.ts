import { PutObjectCommand } from '@aws-sdk/client-s3';
import { objectStores } from '@capstan/s3-store';
import { FileAndHttpTransfer, parseTransferOptions } from '@capstan/transfer';
import { objectExists, ownS3Server, s3Options, sharedS3Server, testClient } from './testing/s3-server';
import { describeStoreFaults } from './testing/store-faults-suite';

// An s3rver of this test's own, killed mid-transfer and started again on its port.
const BUCKET = 's3-branch-faults';

describeStoreFaults('an S3 store that dies mid-transfer', async (dataDir, port = 0) => {
  const { server, process } = await ownS3Server(sharedS3Server(), dataDir, BUCKET, port);
  const client = testClient(server);
  const s3 = s3Options(server, { partSizeBytes: '5 MiB', queueSize: 1, timeoutMs: 5_000 });
  return {
    process,
    port: Number(new URL(server.endpoint).port),
    url: (key) => `s3://${BUCKET}/${key}`,
    put: (key, body) => client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body })),
    exists: (key) => objectExists(client, BUCKET, key),
    transfer: () => new FileAndHttpTransfer(parseTransferOptions({ progressIntervalMs: 0 }), undefined, undefined, objectStores({ s3 })),
  };
});
