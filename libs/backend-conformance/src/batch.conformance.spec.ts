import { localRegistry } from '@capstan/backend-test-kit';
import { BatchBackend } from '@capstan/batch-runner';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeBackendConformance } from './conformance';

// The template-driven batch backend on the one-node Grid Engine cell of tools/engines/gridengine.sh (its gridengine
// profile: qsub, qstat, qacct, qdel), with Apptainer in the job and with Docker in the job; and on the one-node Slurm
// cluster of tools/engines/slurm.sh through its slurm profile (sbatch, squeue, sacct, scancel), to compare with the
// native slurm backend's run of the same suite.
const registry = localRegistry();
const common = { pollIntervalMs: 200, graceSeconds: 2 } as const;
const apptainer = {
  runtime: 'apptainer',
  sifCacheDir: join(tmpdir(), 'capstan-conformance-batch-sif'),
  registries: { [registry.registry]: { username: registry.username, password: registry.password } },
} as const;

describeBackendConformance({
  name: 'batch gridengine (apptainer)',
  create: () => new BatchBackend({ ...common, ...apptainer, profile: 'gridengine' }),
  image: `docker://${registry.image}`,
  missingImage: `docker://${registry.registry}/capstan/missing:1`,
  shell: 'sh',
});

describeBackendConformance({
  name: 'batch gridengine (docker)',
  create: () => new BatchBackend({ ...common, profile: 'gridengine', runtime: 'docker' }),
  image: 'capstan-test/busybox:1',
  missingImage: '127.0.0.1:5000/capstan/missing:1',
  shell: 'sh',
});

describeBackendConformance({
  name: 'batch slurm (apptainer)',
  create: () => new BatchBackend({ ...common, ...apptainer, profile: 'slurm', queue: 'debug' }),
  image: `docker://${registry.image}`,
  missingImage: `docker://${registry.registry}/capstan/missing:1`,
  shell: 'sh',
});
