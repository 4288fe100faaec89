import { DockerBackend } from '@capstan/docker-runner';
import { describeBackendConformance } from './conformance';

// The docker backend in swarm mode: every attempt a one-replica service on the machine's Docker, made a one-node
// swarm manager by tools/engines/swarm.sh (swarm: on fails every scenario, naming the fix, when it is not one).
describeBackendConformance({
  name: 'docker (swarm mode)',
  create: () => new DockerBackend({ swarm: 'on', swarmPollMs: 100, graceSeconds: 2, pullPolicy: 'if-not-present' }),
  image: 'capstan-test/busybox:1',
  missingImage: '127.0.0.1:5000/capstan/missing:1',
});
