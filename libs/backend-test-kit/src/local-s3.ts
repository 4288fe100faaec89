import { type ChildProcess, spawn } from 'node:child_process';
import { readCredentialsFile } from './local-registry';

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
