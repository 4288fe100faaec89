import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAttemptFolder, uniqueId } from './backend-test-run';
import { localRegistry } from './local-registry';
import { localAzurite } from './local-azurite';
import { localS3Server } from './local-s3';
import { fiftyMibUsageProblems } from './job-container-usage';

describe('backend test kit', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'capstan-test-kit-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('makes an attempt folder laid out as the engine makes it', async () => {
    const paths = await createAttemptFolder(join(dir, 'task'), 2, 'echo hi');
    expect(paths.root).toBe(join(dir, 'task', 'attempts', '2'));
    expect((await readdir(paths.root)).sort()).toEqual(['command', 'stderr', 'stdout', 'work']);
    expect(await readFile(paths.commandFile, 'utf8')).toBe('echo hi\n');
  });

  it('reads the local registry credentials file written by tools/engines/registry.sh', async () => {
    const file = join(dir, 'credentials.env');
    await writeFile(file, 'REGISTRY=127.0.0.1:5000\nREGISTRY_USER=capstan\nREGISTRY_PASSWORD=p=w\nREGISTRY_IMAGE=127.0.0.1:5000/capstan/busybox:1\n');
    expect(localRegistry(file)).toEqual({ registry: '127.0.0.1:5000', username: 'capstan', password: 'p=w', image: '127.0.0.1:5000/capstan/busybox:1' });
  });

  it('reads the S3 store credentials file written by tools/engines/s3.sh, and names a missing key', async () => {
    const file = join(dir, 's3.env');
    await writeFile(file, 'S3_ENDPOINT=http://127.0.0.1:4568\nS3_ACCESS_KEY_ID=S3RVER\nS3_SECRET_ACCESS_KEY=S3RVER\nS3_BUCKET=capstan-test\nS3RVER_BIN=/opt/s3rver.js\n');
    expect(localS3Server(file)).toEqual({ endpoint: 'http://127.0.0.1:4568', accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER', bucket: 'capstan-test', bin: '/opt/s3rver.js' });
    await writeFile(file, 'S3_ENDPOINT=http://127.0.0.1:4568\n');
    expect(() => localS3Server(file)).toThrow(`${file} has no S3_ACCESS_KEY_ID; run tools/engines/s3.sh`);
  });

  it('reads the Azurite credentials file written by tools/engines/azurite.sh, and names the missing keys', async () => {
    const file = join(dir, 'azurite.env');
    const lines = 'AZURITE_ENDPOINT=http://127.0.0.1:10000/dev\nAZURITE_ACCOUNT=dev\nAZURITE_KEY=a2V5==\nAZURITE_CONTAINER=c-1\nAZURITE_BIN=/opt/b.js\n';
    await writeFile(file, `${lines}AZURITE_NODE=/opt/node\n`);
    expect(localAzurite(file)).toEqual({ endpoint: 'http://127.0.0.1:10000/dev', account: 'dev', key: 'a2V5==', container: 'c-1', bin: '/opt/b.js', node: '/opt/node' });
    await writeFile(file, 'AZURITE_ENDPOINT=http://127.0.0.1:10000/dev\nAZURITE_ACCOUNT=dev\n');
    expect(() => localAzurite(file)).toThrow(`${file} has no AZURITE_KEY, AZURITE_CONTAINER, AZURITE_BIN, AZURITE_NODE; run tools/engines/azurite.sh`);
  });

  it('gives ids that differ and carry their prefix', () => {
    const ids = new Set(Array.from({ length: 100 }, () => uniqueId('run')));
    expect(ids.size).toBe(100);
    for (const id of ids) expect(id).toMatch(/^run-[0-9a-f]{10}$/);
  });
});

describe('fiftyMibUsageProblems', () => {
  it('passes a reading that holds, and names each way one does not', () => {
    const good = { samples: 1, peakMemoryBytes: 53 * 1024 * 1024, cpuUserSeconds: 0.01, cpuSystemSeconds: 0 };
    expect(fiftyMibUsageProblems(good)).toEqual([]);
    expect(fiftyMibUsageProblems(undefined)).toEqual(['no usage at all']);
    expect(fiftyMibUsageProblems({ samples: 0, partial: 'no copy', peakMemoryBytes: 1, cpuUserSeconds: 0 })).toEqual([
      '0 readings, not 1',
      'partial: no copy',
      'a peak of 1 bytes, not 50 to 80 MiB',
      'no CPU seconds',
    ]);
  });
});
