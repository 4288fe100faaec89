import { DockerBackend } from '@capstan/docker-runner';
import { describeBackendConformance } from './conformance';

describeBackendConformance({
  name: 'docker',
  create: () => new DockerBackend({ graceSeconds: 2, pullPolicy: 'if-not-present' }),
  image: 'capstan-test/busybox:1',
  missingImage: '127.0.0.1:5000/capstan/missing:1',
});
