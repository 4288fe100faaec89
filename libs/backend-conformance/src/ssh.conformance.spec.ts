import { BatchBackend } from '@capstan/batch-runner';
import { SlurmBackend } from '@capstan/slurm-runner';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeBackendConformance } from './conformance';

// The scheduler backends with every scheduler command run on a login node over SSH: the project's sshd of
// tools/engines/sshd.sh (127.0.0.1, its port, key and known_hosts in its state folder) in front of the one-node Slurm
// cluster of tools/engines/slurm.sh and the Grid Engine cell of tools/engines/gridengine.sh. The work root is the same
// folder on both sides, as a cluster's shared file system would be. Docker runs the task in the job.
const SSHD_STATE = '/var/lib/capstan/sshd';
const ssh = {
  host: '127.0.0.1',
  port: Number(readFileSync(join(SSHD_STATE, 'port'), 'utf8').trim()),
  user: 'root',
  identityFile: join(SSHD_STATE, 'client_key'),
  knownHostsFile: join(SSHD_STATE, 'known_hosts'),
  connectTimeoutSeconds: 10,
};
const common = { pollIntervalMs: 200, graceSeconds: 2, runtime: 'docker', ssh } as const;
const made: Array<{ close(): void }> = [];

describeBackendConformance({
  name: 'slurm over ssh (docker)',
  create: () => {
    const backend = new SlurmBackend({ ...common, partitions: { default: 'debug', short: 'short' } });
    made.push(backend);
    return backend;
  },
  image: 'capstan-test/busybox:1',
  missingImage: '127.0.0.1:5000/capstan/missing:1',
  shell: 'sh',
});

describeBackendConformance({
  name: 'batch gridengine over ssh (docker)',
  create: () => {
    const backend = new BatchBackend({ ...common, profile: 'gridengine' });
    made.push(backend);
    return backend;
  },
  image: 'capstan-test/busybox:1',
  missingImage: '127.0.0.1:5000/capstan/missing:1',
  shell: 'sh',
});

// The multiplexed connections end with the file, not with each suite's engine.
afterAll(() => {
  for (const backend of made) backend.close();
});
