// The public API of @capstan/docker-runner (reviewed in api/docker-runner.api.md): named exports only.
export { buildContainerSpec, type ContainerPlan } from './container-spec';
export { DockerBackend, type DockerBackendDependencies } from './docker-backend';
export {
  type DockerBackendOptions,
  type DockerBackendOptionsInput,
  dockerBackendOptionsSchema,
  parseDockerBackendOptions,
} from './docker-backend-options';
export { registerDockerBackend } from './register-docker-backend';
export { dockerBackendPlugin } from './docker-backend-plugin';
export { type RawService, type ServiceSummary, SwarmApi, type SwarmCallCounts, type SwarmNode, type SwarmTask } from './swarm/swarm-api';
export { type ServiceSpec } from './swarm/service-spec';
export { type ServiceAttempt, SwarmRunner } from './swarm/swarm-runner';
export { type TaskListener, SwarmTaskWatcher, type WatcherStats } from './swarm/task-watcher';
