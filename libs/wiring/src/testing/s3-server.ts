import { S3Client } from '@aws-sdk/client-s3';
import { localS3Server, type LocalS3Server } from '@capstan/backend-test-kit';
import { type ChildProcess, spawn } from 'node:child_process';

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

/** An s3rver of the test's own on a free loopback port (or `port`, to start it again), killed by the test. */
export async function ownS3Server(shared: S3Server, dataDir: string, bucket: string, port = 0): Promise<{ server: S3Server; process: ChildProcess }> {
  const child = spawn(process.execPath, [shared.bin, '-d', dataDir, '-a', '127.0.0.1', '-p', String(port), '--configure-bucket', bucket, '--no-vhost-buckets'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const endpoint = await new Promise<string>((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`s3rver did not start within 20 s: ${text}`)), 20_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const match = /listening on (127\.0\.0\.1:\d+)/.exec(text);
      if (match !== null) {
        clearTimeout(timer);
        resolve(`http://${match[1]}`);
      }
    });
    child.once('exit', (code) => reject(new Error(`s3rver exited (${code}): ${text}`)));
  });
  child.stdout?.resume();
  child.stderr?.resume();
  return { server: { ...shared, endpoint, bucket }, process: child };
}
