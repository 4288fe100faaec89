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
