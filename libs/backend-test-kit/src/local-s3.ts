import { type ChildProcess } from 'node:child_process';
import { readCredentialsFile } from './local-registry';
import { spawnListening } from './spawn-listening';

/** The S3-compatible store tools/engines/s3.sh runs (s3rver), from its credentials file. */
export interface LocalS3Server {
  /** `http://127.0.0.1:PORT`, addressed path-style. */
  readonly endpoint: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly bucket: string;
  /** s3rver's script, for a test that starts (and kills) an instance of its own. */
  readonly bin: string;
}

export function localS3Server(file = '/var/lib/capstan/s3/credentials.env'): LocalS3Server {
  const values = readCredentialsFile(file);
  const get = (key: string): string => {
    const value = values[key];
    if (value === undefined) throw new Error(`${file} has no ${key}; run tools/engines/s3.sh`);
    return value;
  };
  return { endpoint: get('S3_ENDPOINT'), accessKeyId: get('S3_ACCESS_KEY_ID'), secretAccessKey: get('S3_SECRET_ACCESS_KEY'), bucket: get('S3_BUCKET'), bin: get('S3RVER_BIN') };
}

/** An s3rver of the test's own on a free loopback port (or `port`, to start it again), killed by the test. */
export async function ownS3Server(shared: LocalS3Server, dataDir: string, bucket: string, port = 0): Promise<{ server: LocalS3Server; process: ChildProcess }> {
  const args = [shared.bin, '-d', dataDir, '-a', '127.0.0.1', '-p', String(port), '--configure-bucket', bucket, '--no-vhost-buckets'];
  const { address, process: child } = await spawnListening('s3rver', process.execPath, args, /listening on (127\.0\.0\.1:\d+)/);
  return { server: { ...shared, endpoint: `http://${address}`, bucket }, process: child };
}
