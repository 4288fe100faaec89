import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ApptainerBackend } from './apptainer-backend';
import { bundleWorker } from './testing/bundle-worker';
import { makeRequest, makeTempDir, processesInGroup, processesMatching, removeDir, uniqueId } from './testing/test-kit';

// Apptainer keeps no record of containers: a Capstan process killed with SIGKILL leaves its attempts running. They
// are written down, so the orphan reaper can find them by label and end them.
describe('attempts left running by a Capstan process that died', () => {
  let dir: string;
  let worker: { file: string; dir: string };
  beforeAll(async () => {
    dir = await makeTempDir('orphans');
    worker = await bundleWorker();
  });
  afterAll(async () => {
    await removeDir(dir);
    await removeDir(worker?.dir);
  });

  it('are listed by their labels and removed: process group, cgroup and record', async () => {
    const cacheDir = join(dir, 'cache');
    const backend = new ApptainerBackend({ cacheDir });
    const runId = uniqueId('run');
    const marker = String(500_000 + Math.floor(Math.random() * 400_000));
    const request = { ...(await makeRequest(backend, dir, { command: `sleep ${marker}` })), labels: { 'io.capstan.managed': 'true', 'io.capstan.run-id': runId } };
    const owner = spawn(process.execPath, [worker.file, JSON.stringify({ kind: 'execute', options: { cacheDir }, request })], { stdio: 'ignore' });
    for (let waited = 0; processesMatching(`sleep ${marker}`).length === 0 && waited < 20_000; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
    const [listed] = await backend.listManaged({ 'io.capstan.run-id': runId });
    expect(listed).toMatchObject({ name: request.attemptName, labels: request.labels, state: 'running' });

    owner.kill('SIGKILL');
    await new Promise((resolve) => owner.once('exit', resolve));
    // The owner is gone; its attempt is not.
    expect(processesMatching(`sleep ${marker}`)).toHaveLength(1);
    const [orphan] = await backend.listManaged({ 'io.capstan.managed': 'true', 'io.capstan.run-id': runId });
    expect(orphan?.id).toBe(listed?.id);
    expect(await backend.listManaged({ 'io.capstan.run-id': 'another-run' })).toEqual([]);
    const cgroups = backend.cgroups.usable ? ['memory', 'cpu'].map((controller) => join('/sys/fs/cgroup', controller, 'capstan', `${request.attemptName}.${owner.pid}`)) : [];
    for (const folder of cgroups) expect(existsSync(folder)).toBe(true);

    await backend.removeManaged(orphan ?? { id: '', name: '', labels: {}, state: '' });
    expect(processesMatching(`sleep ${marker}`)).toEqual([]);
    expect(processesInGroup(Number(orphan?.id))).toEqual([]);
    for (const folder of cgroups) expect(existsSync(folder)).toBe(false);
    expect(await backend.listManaged({ 'io.capstan.run-id': runId })).toEqual([]);
    // Removing one already gone is not an error.
    await backend.removeManaged(orphan ?? { id: '', name: '', labels: {}, state: '' });
  });
});
