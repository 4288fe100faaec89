import { ApptainerBackend } from '@capstan/apptainer-runner';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeBackendConformance } from './conformance';

// The local registry of tools/engines/registry.sh (with auth); the image is converted once into a SIF cache shared by
// every run of this suite.
const registry = Object.fromEntries(
  readFileSync('/var/lib/capstan/registry/credentials.env', 'utf8')
    .split('\n')
    .filter((line) => line.includes('='))
    .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1).trim()]),
);
const host = registry['REGISTRY'] ?? '127.0.0.1:5000';

describeBackendConformance({
  name: 'apptainer',
  create: () =>
    new ApptainerBackend({
      graceSeconds: 2,
      cacheDir: join(tmpdir(), 'capstan-conformance-apptainer-sif'),
      registries: { [host]: { username: registry['REGISTRY_USER'] ?? '', password: registry['REGISTRY_PASSWORD'] ?? '' } },
    }),
  image: `docker://${host}/capstan/busybox:1`,
  missingImage: `docker://${host}/capstan/missing:1`,
  shell: 'sh',
});
