import { azureObjectStore } from '@capstan/azure-store';
import { FileAndHttpTransfer, parseTransferOptions } from '@capstan/transfer';
import { azureOptions, ownAzurite, sharedAzurite, testContainer } from './testing/azurite-server';
import { describeStoreFaults } from './testing/store-faults-suite';

// An Azurite of this test's own, killed mid-transfer and started again on its port.
const CONTAINER = 'azure-branch-faults';

describeStoreFaults('an Azure store that dies mid-transfer', async (dataDir, port = 0) => {
  const { server, process } = await ownAzurite(sharedAzurite(), dataDir, CONTAINER, port);
  const container = testContainer(server);
  const store = azureObjectStore(azureOptions(server, { blockSizeBytes: '4 MiB', concurrency: 1, timeoutMs: 5_000 }));
  return {
    process,
    port: Number(new URL(server.endpoint).port),
    url: (name) => `az://${server.account}/${CONTAINER}/${name}`,
    put: (name, body) => container.getBlockBlobClient(name).uploadData(body),
    exists: (name) => container.getBlobClient(name).exists(),
    transfer: () => new FileAndHttpTransfer(parseTransferOptions({ progressIntervalMs: 0 }), undefined, undefined, store === null ? [] : [store]),
  };
});
