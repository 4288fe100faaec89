import { BlobServiceClient, type ContainerClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { localAzurite, type LocalAzurite, spawnListening } from '@capstan/backend-test-kit';
import { type ChildProcess } from 'node:child_process';

export type AzuriteServer = LocalAzurite;

/** The Azurite tools/engines/azurite.sh started, shared by every test. */
export const sharedAzurite = (): AzuriteServer => localAzurite();

/** The transfer's `azure` section for a server (its path-style endpoint, the account's key). */
export function azureOptions(server: AzuriteServer, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { account: server.account, accountKey: server.key, endpoint: server.endpoint, retries: 1, ...extra };
}

/** A container client of the test's own, to put and check blobs beside the transfer under test. */
export function testContainer(server: AzuriteServer, container = server.container): ContainerClient {
  return new BlobServiceClient(server.endpoint, new StorageSharedKeyCredential(server.account, server.key)).getContainerClient(container);
}

/** An Azurite of the test's own on a free loopback port (or `port`, to start it again) with `container`, killed by the test. */
export async function ownAzurite(shared: AzuriteServer, dataDir: string, container: string, port = 0): Promise<{ server: AzuriteServer; process: ChildProcess }> {
  const args = [shared.bin, '--blobHost', '127.0.0.1', '--blobPort', String(port), '--location', dataDir, '--skipApiVersionCheck', '--disableTelemetry'];
  const { address, process } = await spawnListening('Azurite', shared.node, args, /listens on (http:\/\/127\.0\.0\.1:\d+)/);
  const server = { ...shared, endpoint: `${address}/${shared.account}`, container };
  await testContainer(server).createIfNotExists();
  return { server, process };
}
