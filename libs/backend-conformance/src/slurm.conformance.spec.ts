import { localRegistry } from '@capstan/backend-test-kit';
import { SlurmBackend } from '@capstan/slurm-runner';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeBackendConformance } from './conformance';

// The one-node cluster of tools/engines/slurm.sh (partitions debug and short; job memory confined by task/cgroup),
// each task one sbatch job that runs its container on the node: once with Apptainer inside (the local registry's image,
// converted to SIF once into a cache shared by every run of this suite), once with Docker and once with Podman inside
// (the local test image).
const registry = localRegistry();
const common = { pollIntervalMs: 200, graceSeconds: 2, partitions: { default: 'debug', short: 'short' } } as const;

describeBackendConformance({
  name: 'slurm (apptainer)',
  create: () =>
    new SlurmBackend({
      ...common,
      runtime: 'apptainer',
      sifCacheDir: join(tmpdir(), 'capstan-conformance-slurm-sif'),
      registries: { [registry.registry]: { username: registry.username, password: registry.password } },
      clusterLimits: { memory: true, cpu: false },
    }),
  image: `docker://${registry.image}`,
  missingImage: `docker://${registry.registry}/capstan/missing:1`,
  shell: 'sh',
});

describeBackendConformance({
  name: 'slurm (docker)',
  create: () => new SlurmBackend({ ...common, runtime: 'docker' }),
  image: 'capstan-test/busybox:1',
  missingImage: '127.0.0.1:5000/capstan/missing:1',
  shell: 'sh',
});

describeBackendConformance({
  name: 'slurm (podman)',
  create: () => new SlurmBackend({ ...common, runtime: 'podman' }),
  image: 'capstan-test/busybox:1',
  missingImage: '127.0.0.1:5000/capstan/missing:1',
  shell: 'sh',
});
