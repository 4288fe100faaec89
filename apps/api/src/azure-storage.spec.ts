import { BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { localAzurite } from '@capstan/backend-test-kit';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApps, type RunningApi, startApi, stopApi } from './testing/api-harness';
import { BUSYBOX, missingInputTask, roundTrip, roundTripOutputs } from './testing/object-store-tasks';

// A TES task on Docker whose inputs come from az:// and whose outputs go to az:// and to the account's own http URL,
// through the bundled server, against the Azurite of tools/engines/azurite.sh (its credentials.env). The server signs
// in with a connection string given in its environment.
jest.setTimeout(180_000);

const TOKEN = 'test-token-azure-0123456789abcdef';
const store = localAzurite();
const { account, key } = store;
const container = new BlobServiceClient(store.endpoint, new StorageSharedKeyCredential(account, key)).getContainerClient(store.container);
const prefix = `azure-branch-api-${randomBytes(6).toString('hex')}`;
const az = (name: string): string => `az://${account}/${store.container}/${prefix}/${name}`;

let folder: string;
let api: RunningApi;

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'capstan-api-azure-'));
  await buildApps();
  const env = {
    ...process.env,
    CAPSTAN_API__TRANSFER__AZURE__CONNECTION_STRING: `DefaultEndpointsProtocol=http;AccountName=${account};AccountKey=${key};BlobEndpoint=${store.endpoint};`,
  };
  api = await startApi(['--backend', 'docker', '--data-dir', join(folder, 'data'), '--token', TOKEN], { token: TOKEN, env });
});

afterAll(async () => {
  if (api !== undefined) await stopApi(api);
  await rm(folder, { recursive: true, force: true });
});

describe('a TES task with az:// inputs and outputs', () => {
  it('runs on Docker: a blob and a prefix in, a file, a folder and a wildcard out, with their sizes in the output log', async () => {
    const put = (name: string, body: string): Promise<unknown> => container.getBlockBlobClient(`${prefix}/${name}`).upload(body, body.length);
    await Promise.all([put('in/reads.txt', 'acgt\nttga\n'), put('refs/a.fa', '>a\n'), put('refs/b/b.fa', '>bb\n')]);
    // The same blob by the account's own (here Azurite's path-style) URL, beside az://.
    const direct = `${store.endpoint}/${store.container}/${prefix}/out/direct.txt`;
    const task = await roundTrip(api, az, [{ url: direct, path: '/work/upper.txt' }]);
    expect(task).toMatchObject({ state: 'COMPLETE' });
    expect(task.logs?.at(-1)?.outputs).toEqual([...roundTripOutputs(az), { url: direct, path: '/work/upper.txt', size_bytes: '10' }]);
    expect((await container.getBlobClient(`${prefix}/out/upper.txt`).downloadToBuffer()).toString()).toBe('ACGT\nTTGA\n');
    expect((await container.getBlobClient(`${prefix}/out/direct.txt`).downloadToBuffer()).toString()).toBe('ACGT\nTTGA\n');
    expect(JSON.stringify(task)).not.toContain(key);
    expect(api.output().stdout + api.output().stderr).not.toContain(key);
  });

  it('names az:// in service-info, and refuses another account and a SAS token in the URL at creation with a 400 naming the field', async () => {
    const storage = ((await api.call('/service-info', { token: null })).body as { storage: string[] }).storage;
    expect(storage).toEqual(expect.arrayContaining([`az://${account}/`, `${store.endpoint}/`]));
    expect(JSON.stringify(storage)).not.toContain(key);
    for (const url of [`az://otheraccount/${store.container}/x`, `${store.endpoint}/${store.container}/x?sv=2021&sig=CLIENTSECRET`]) {
      const answer = await api.call('/tasks', { body: { inputs: [{ url, path: '/in/x' }], executors: [{ image: BUSYBOX, command: ['true'] }] } });
      expect(answer.status).toBe(400);
      expect(answer.text).toContain('inputs.0.url');
      expect(answer.text).not.toContain('CLIENTSECRET');
    }
  });

  it('ends a task whose input blob is missing SYSTEM_ERROR, naming the field and the blob', async () => {
    const task = await missingInputTask(api, az('no-such.txt'));
    expect(task.state).toBe('SYSTEM_ERROR');
    expect(task.systemLogs).toContain('inputs.0.url');
    expect(task.systemLogs).toContain(`${prefix}/no-such.txt`);
  });
});
